/**
 * The resale market's Telegram API (docs/resale.md): payments.getResaleStarGifts (filters, sort,
 * paging, attributes_hash, counters), payments.getUniqueStarGift,
 * payments.getUniqueStarGiftValueInfo, and buying a listing with inputInvoiceStarGiftResale through
 * getPaymentForm / sendStarsForm. Answers are built with the client library's own TL classes.
 */
import { crc32 } from 'node:zlib';

import { Api, returnBigInt } from '../telegram/gramjs';
import { MarketError, type PeerRef } from './market';
import { vectorBytes, type RpcCall } from './mtproto/server';
import { ResaleRoom, starsValue, type ResaleInvoice, type UniqueGiftState } from './resale';
import type { ScenarioResaleAttribute, ScenarioResaleCollection } from './scenario';
import { TGS_MIME_TYPE } from './tgs';

type BigInteger = ReturnType<typeof returnBigInt>;
const big = (v: bigint | number | string): BigInteger => returnBigInt(typeof v === 'string' ? BigInt(v) : v);

/** What the resale API borrows from the sandbox's RPC layer. */
export interface ResaleTlKit {
	unix(ms?: number): number;
	user(accountId: string, viewerId: string): Api.TypeUser;
	channel(channelId: string, viewerId: string): Api.Channel;
	peerOf(input: unknown, accountId: string, invalid?: string): PeerRef;
	tlPeer(peer: PeerRef): Api.TypePeer;
	push(accountId: string, updates: Api.TypeUpdates): void;
	isAccount(id: string): boolean;
	/** Numbers a purchase's service message in the account's box (updates.ts). */
	assign(accountId: string, updates: Api.TypeUpdates, authKeyId?: string): Api.Updates;
	/** The access hash documents carry. */
	documentHash(id: string): bigint;
	/** Scenario ms of a base gift's release (value info's initial_sale_date); undefined: no such gift. */
	releasedAtMs(giftId: string): number | undefined;
}

type SignedInCall = RpcCall & { accountId: string };

/** getResaleStarGifts answers at most this many gifts per page. */
export const RESALE_PAGE_MAX = 100;
/** Cached getResaleStarGifts answers kept at most (then the cache starts over). */
const ANSWER_CACHE_MAX = 5000;

type AttrKind = 'model' | 'pattern' | 'backdrop';

const int32 = (n: number): Buffer => {
	const b = Buffer.allocUnsafe(4);
	b.writeInt32LE(n, 0);
	return b;
};

const int64 = (n: bigint): Buffer => {
	const b = Buffer.allocUnsafe(8);
	b.writeBigInt64LE(BigInt.asIntN(64, n), 0);
	return b;
};

/** A TL string: length byte (or 254 + 3 bytes), the bytes, padding to 4. */
function tlString(text: string): Buffer {
	const data = Buffer.from(text, 'utf8');
	const head = data.length <= 253 ? Buffer.from([data.length]) : Buffer.from([254, data.length & 0xff, (data.length >> 8) & 0xff, (data.length >> 16) & 0xff]);
	const pad = (4 - ((head.length + data.length) % 4)) % 4;
	return Buffer.concat([head, data, Buffer.alloc(pad)]);
}

/**
 * payments.resaleStarGifts#947a12df written from parts, so each gift's serialized bytes can be
 * reused between polls (the library's serializer is most of an answer's cost). Field order and
 * flags as the schema: count, gifts, next_offset (0), attributes + attributes_hash (1), chats,
 * counters (2), users. A test checks it against the library's own serialization.
 */
export function resaleStarGiftsBytes(parts: {
	count: number;
	gifts: Buffer[];
	nextOffset?: string;
	attributes?: Buffer[];
	attributesHash?: bigint;
	chats: Buffer[];
	counters?: Buffer[];
	users: Buffer[];
}): Buffer {
	let flags = 0;
	if (parts.nextOffset !== undefined) flags |= 1;
	if (parts.attributes !== undefined) flags |= 2;
	if (parts.counters !== undefined) flags |= 4;
	const out: Buffer[] = [int32(Api.payments.ResaleStarGifts.CONSTRUCTOR_ID >>> 0 | 0), int32(flags), int32(parts.count), vectorBytes(parts.gifts)];
	if (parts.nextOffset !== undefined) out.push(tlString(parts.nextOffset));
	if (parts.attributes !== undefined) out.push(vectorBytes(parts.attributes), int64(parts.attributesHash ?? 0n));
	out.push(vectorBytes(parts.chats));
	if (parts.counters !== undefined) out.push(vectorBytes(parts.counters));
	out.push(vectorBytes(parts.users));
	return Buffer.concat(out);
}

/** A 63-bit positive id derived from text (documents of models and patterns). */
function derivedId(text: string): bigint {
	return ((BigInt(crc32(text) >>> 0) << 31n) ^ BigInt(crc32(`${text}#2`) >>> 0)) & 0x7fffffffffffffffn;
}

export class ResaleRpc {
	/** Built TL objects are reused: constructing them is most of an answer's cost. */
	private readonly attributeCache = new Map<string, Api.TypeStarGiftAttribute>();
	private readonly uniqueCache = new Map<string, { key: string; tl: Api.StarGiftUnique; bytes?: Buffer }>();
	private readonly answerCache = new Map<string, Buffer>();
	private readonly documentIds = new Map<string, bigint>();
	/** The account a getResaleStarGifts answer is being built for. */
	private viewer = '';

	constructor(
		readonly room: ResaleRoom,
		private readonly tl: ResaleTlKit,
	) {}

	handlers(): Record<string, (call: SignedInCall) => Buffer> {
		return {
			'payments.getResaleStarGifts': (c) => this.getResaleStarGifts(c),
			'payments.getUniqueStarGift': (c) => this.getUniqueStarGift(c),
			'payments.getUniqueStarGiftValueInfo': (c) => this.getValueInfo(c),
		};
	}

	// ---- TL builders --------------------------------------------------------------------------------

	/** Document id of a model or pattern (starGiftAttributeIdModel/Pattern.document_id). */
	attributeDocumentId(col: ScenarioResaleCollection, kind: 'model' | 'pattern', name: string): bigint {
		const key = `${col.giftId}:${kind}:${name}`;
		let id = this.documentIds.get(key);
		if (id === undefined) {
			id = derivedId(key);
			this.documentIds.set(key, id);
		}
		return id;
	}

	/** backdrop_id: the backdrop's position in the collection, from 1. */
	backdropId(col: ScenarioResaleCollection, name: string): number {
		return col.backdrops.findIndex((b) => b.name === name) + 1;
	}

	private document(id: bigint): Api.Document {
		return new Api.Document({
			id: big(id),
			accessHash: big(this.tl.documentHash(String(id))),
			fileReference: Buffer.from([1]),
			date: this.tl.unix(0),
			mimeType: TGS_MIME_TYPE,
			size: big(1),
			dcId: 2,
			attributes: [new Api.DocumentAttributeSticker({ alt: '🎁', stickerset: new Api.InputStickerSetEmpty() })],
		});
	}

	private rarity(a: ScenarioResaleAttribute): Api.StarGiftAttributeRarity {
		return new Api.StarGiftAttributeRarity({ permille: a.rarityPermille });
	}

	attributeTl(col: ScenarioResaleCollection, kind: AttrKind, a: ScenarioResaleAttribute): Api.TypeStarGiftAttribute {
		const key = `${col.giftId}:${kind}:${a.name}`;
		let tl = this.attributeCache.get(key);
		if (!tl) {
			tl = this.buildAttribute(col, kind, a);
			this.attributeCache.set(key, tl);
		}
		return tl;
	}

	private buildAttribute(col: ScenarioResaleCollection, kind: AttrKind, a: ScenarioResaleAttribute): Api.TypeStarGiftAttribute {
		if (kind === 'model') return new Api.StarGiftAttributeModel({ name: a.name, document: this.document(this.attributeDocumentId(col, 'model', a.name)), rarity: this.rarity(a) });
		if (kind === 'pattern') return new Api.StarGiftAttributePattern({ name: a.name, document: this.document(this.attributeDocumentId(col, 'pattern', a.name)), rarity: this.rarity(a) });
		const id = this.backdropId(col, a.name);
		// Colours derived from the id: stable, distinct per backdrop.
		const color = (n: number): number => (crc32(`${col.giftId}:${a.name}:${n}`) >>> 8) & 0xffffff;
		return new Api.StarGiftAttributeBackdrop({ name: a.name, backdropId: id, centerColor: color(1), edgeColor: color(2), patternColor: color(3), textColor: color(4), rarity: this.rarity(a) });
	}

	private collectionAttributes(col: ScenarioResaleCollection): Api.TypeStarGiftAttribute[] {
		return [
			...col.models.map((a) => this.attributeTl(col, 'model', a)),
			...col.patterns.map((a) => this.attributeTl(col, 'pattern', a)),
			...col.backdrops.map((a) => this.attributeTl(col, 'backdrop', a)),
		];
	}

	/** The collection's attributes_hash: changes whenever its attribute list would (never, within a run). */
	attributesHash(col: ScenarioResaleCollection): bigint {
		const text = [...col.models.map((a) => `m:${a.name}:${a.rarityPermille}`), ...col.patterns.map((a) => `p:${a.name}:${a.rarityPermille}`), ...col.backdrops.map((a) => `b:${a.name}:${a.rarityPermille}`)].join('|');
		const h = derivedId(`${col.giftId}|${text}`);
		return h === 0n ? 1n : h;
	}

	private attributeOf(col: ScenarioResaleCollection, kind: AttrKind, name: string): ScenarioResaleAttribute {
		const list = kind === 'model' ? col.models : kind === 'pattern' ? col.patterns : col.backdrops;
		return list.find((a) => a.name === name) ?? { name, rarityPermille: 1000 };
	}

	/** starGiftUnique as anyone sees it: owner, attributes, resale prices while listed, value. */
	uniqueTl(g: UniqueGiftState): Api.StarGiftUnique {
		const l = g.listing;
		const average = this.room.averageStars(g.collection.giftId);
		const key = `${l?.seq ?? ''}:${l?.stars ?? ''}:${l?.tonNano ?? ''}:${g.owner.kind}${g.owner.id}:${average ?? ''}`;
		const cached = this.uniqueCache.get(g.def.slug);
		if (cached?.key === key) return cached.tl;
		const tl = this.buildUnique(g, average);
		this.uniqueCache.set(g.def.slug, { key, tl });
		return tl;
	}

	/** The gift's serialized starGiftUnique, built once per state. */
	private uniqueBytes(g: UniqueGiftState): Buffer {
		this.uniqueTl(g);
		const cached = this.uniqueCache.get(g.def.slug)!;
		cached.bytes ??= Buffer.from(cached.tl.getBytes());
		return cached.bytes;
	}

	private buildUnique(g: UniqueGiftState, average: number | undefined): Api.StarGiftUnique {
		const col = g.collection;
		const l = g.listing;
		return new Api.StarGiftUnique({
			id: big(g.id),
			giftId: big(col.giftId),
			title: col.title,
			slug: g.def.slug,
			num: g.def.num,
			ownerId: this.tl.tlPeer(g.owner),
			attributes: [
				this.attributeTl(col, 'model', this.attributeOf(col, 'model', g.def.model)),
				this.attributeTl(col, 'pattern', this.attributeOf(col, 'pattern', g.def.pattern)),
				this.attributeTl(col, 'backdrop', this.attributeOf(col, 'backdrop', g.def.backdrop)),
			],
			availabilityIssued: col.issued,
			availabilityTotal: col.total,
			// tdlib reads exactly [starsAmount, starsTonAmount] (StarGift.cpp); both are always sent.
			resellAmount: l ? [new Api.StarsAmount({ amount: big(l.stars), nanos: 0 }), new Api.StarsTonAmount({ amount: big(l.tonNano) })] : undefined,
			resaleTonOnly: l?.tonOnly || undefined,
			valueAmount: average === undefined ? undefined : big(starsValue(average, this.room.def.valueMilliPerStar)),
			valueCurrency: average === undefined ? undefined : this.room.def.valueCurrency,
			valueUsdAmount: average === undefined ? undefined : big(starsValue(average, this.room.def.valueMilliPerStar)),
		});
	}

	/** Users an answer mentions: owners that are not accounts come as min users. */
	private usersFor(gifts: UniqueGiftState[], viewer: string): { users: Api.TypeUser[]; chats: Api.Channel[] } {
		const users = new Map<string, Api.TypeUser>();
		const chats = new Map<string, Api.Channel>();
		for (const g of gifts) {
			if (g.owner.kind === 'channel') {
				chats.set(g.owner.id, this.tl.channel(g.owner.id, viewer));
				continue;
			}
			const id = g.owner.id;
			if (users.has(id)) continue;
			users.set(id, this.tl.isAccount(id) ? this.tl.user(id, viewer) : new Api.User({ id: big(id), min: true, firstName: `Collector ${id.slice(-4)}` }));
		}
		return { users: [...users.values()], chats: [...chats.values()] };
	}

	// ---- methods ------------------------------------------------------------------------------------

	private collectionFor(giftId: string): ScenarioResaleCollection | null {
		return this.room.collections.get(giftId) ?? null;
	}

	private getResaleStarGifts(call: SignedInCall): Buffer {
		const req = call.request as Api.payments.GetResaleStarGifts;
		const giftId = String(req.giftId);
		const col = this.collectionFor(giftId);
		if (!col) {
			// A gift of the catalog without collectibles has nothing on resale; an unknown id is invalid.
			if (this.tl.releasedAtMs(giftId) === undefined) throw new MarketError('STARGIFT_INVALID');
			return new Api.payments.ResaleStarGifts({ count: 0, gifts: [], chats: [], users: [] }).getBytes();
		}
		// Polling is the hot path: the same question about an unchanged market gets the same bytes.
		this.room.advance();
		const attrKey = (req.attributes ?? []).map((x) => (x instanceof Api.StarGiftAttributeIdBackdrop ? `b${x.backdropId}` : `d${String((x as { documentId?: unknown }).documentId)}`)).join(',');
		const cacheKey = [call.accountId, giftId, this.room.version, req.sortByPrice ? 1 : 0, req.sortByNum ? 1 : 0, req.starsOnly ? 1 : 0, attrKey, String(req.attributesHash ?? '-'), req.offset, req.limit].join('|');
		const hit = this.answerCache.get(cacheKey);
		if (hit) return hit;
		this.viewer = call.accountId;
		const bytes = this.answerResale(req, col);
		if (this.answerCache.size >= ANSWER_CACHE_MAX) this.answerCache.clear();
		this.answerCache.set(cacheKey, bytes);
		return bytes;
	}

	private answerResale(req: Api.payments.GetResaleStarGifts, col: ScenarioResaleCollection): Buffer {
		const giftId = col.giftId;
		const filters = new Map<AttrKind, Set<string>>();
		for (const a of req.attributes ?? []) {
			let kind: AttrKind;
			let key: string;
			if (a instanceof Api.StarGiftAttributeIdModel) [kind, key] = ['model', String(a.documentId)];
			else if (a instanceof Api.StarGiftAttributeIdPattern) [kind, key] = ['pattern', String(a.documentId)];
			else if (a instanceof Api.StarGiftAttributeIdBackdrop) [kind, key] = ['backdrop', String(a.backdropId)];
			else throw new MarketError('STARGIFT_ATTRIBUTE_INVALID');
			const set = filters.get(kind) ?? new Set<string>();
			set.add(key);
			filters.set(kind, set);
		}
		const keyOf = (g: UniqueGiftState, kind: AttrKind): string =>
			kind === 'model' ? String(this.attributeDocumentId(col, 'model', g.def.model)) : kind === 'pattern' ? String(this.attributeDocumentId(col, 'pattern', g.def.pattern)) : String(this.backdropId(col, g.def.backdrop));
		const all = this.room.listed(giftId).filter((g) => !(req.starsOnly && g.listing!.tonOnly));
		const matching = all.filter((g) => [...filters].every(([kind, set]) => set.has(keyOf(g, kind))));
		// Sort keys: price ascending, number ascending, or (default) price change date descending; ties by id.
		const primary = (g: UniqueGiftState): number => (req.sortByPrice ? g.listing!.stars : req.sortByNum ? g.def.num : -g.listing!.priceChangedAtMs);
		const sorted = matching.sort((a, b) => primary(a) - primary(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
		let start = 0;
		if (req.offset) {
			const m = /^(-?\d+):(\d+)$/.exec(req.offset);
			if (!m) throw new MarketError('OFFSET_INVALID');
			const [k, id] = [Number(m[1]), BigInt(m[2])];
			// Key-based: the page after the last one seen, even when listings came or went meanwhile.
			start = sorted.findIndex((g) => primary(g) > k || (primary(g) === k && g.id > id));
			if (start < 0) start = sorted.length;
		}
		const limit = Math.max(0, Math.min(req.limit, RESALE_PAGE_MAX));
		const page = sorted.slice(start, start + limit);
		const last = page[page.length - 1];
		const nextOffset = last && start + limit < sorted.length ? `${primary(last)}:${last.id}` : undefined;
		const withAttributes = req.attributesHash !== undefined && req.attributesHash !== null && BigInt(String(req.attributesHash)) !== this.attributesHash(col);
		let counters: Api.StarGiftAttributeCounter[] | undefined;
		if (!req.offset) {
			const counts = new Map<string, { kind: AttrKind; key: string; n: number }>();
			for (const g of all) {
				for (const kind of ['model', 'pattern', 'backdrop'] as const) {
					const key = keyOf(g, kind);
					const k = `${kind}:${key}`;
					const c = counts.get(k) ?? { kind, key, n: 0 };
					c.n += 1;
					counts.set(k, c);
				}
			}
			counters = [...counts.values()].map((c) => {
				const attribute =
					c.kind === 'model'
						? new Api.StarGiftAttributeIdModel({ documentId: big(c.key) })
						: c.kind === 'pattern'
							? new Api.StarGiftAttributeIdPattern({ documentId: big(c.key) })
							: new Api.StarGiftAttributeIdBackdrop({ backdropId: Number(c.key) });
				return new Api.StarGiftAttributeCounter({ attribute, count: c.n });
			});
		}
		const { users, chats } = this.usersFor(page, this.viewer);
		return resaleStarGiftsBytes({
			count: sorted.length,
			gifts: page.map((g) => this.uniqueBytes(g)),
			nextOffset,
			attributes: withAttributes ? this.collectionAttributes(col).map((a) => Buffer.from(a.getBytes())) : undefined,
			attributesHash: withAttributes ? this.attributesHash(col) : undefined,
			counters: counters?.map((c) => Buffer.from(c.getBytes())),
			chats: chats.map((c) => Buffer.from(c.getBytes())),
			users: users.map((u) => Buffer.from(u.getBytes())),
		});
	}

	private getUniqueStarGift(call: SignedInCall): Buffer {
		const req = call.request as Api.payments.GetUniqueStarGift;
		this.room.advance();
		const g = this.room.bySlug(req.slug);
		const { users, chats } = this.usersFor([g], call.accountId);
		return new Api.payments.UniqueStarGift({ gift: this.uniqueTl(g), users, chats }).getBytes();
	}

	private getValueInfo(call: SignedInCall): Buffer {
		const req = call.request as Api.payments.GetUniqueStarGiftValueInfo;
		this.room.advance();
		const g = this.room.bySlug(req.slug);
		const col = g.collection;
		const rate = this.room.def.valueMilliPerStar;
		const floor = this.room.floorStars(col.giftId);
		const average = this.room.averageStars(col.giftId);
		const last = this.room.lastSale(col.giftId);
		const listed = this.room.listed(col.giftId).length;
		// value: the collection's average when known (value_is_average), else this gift's last price or first sale.
		const valueStars = average ?? last?.stars ?? col.initialSaleStars;
		return new Api.payments.UniqueStarGiftValueInfo({
			valueIsAverage: average !== undefined || undefined,
			currency: this.room.def.valueCurrency,
			value: big(starsValue(valueStars, rate)),
			initialSaleDate: this.tl.unix(this.tl.releasedAtMs(col.giftId) ?? 0),
			initialSaleStars: big(col.initialSaleStars),
			initialSalePrice: big(starsValue(col.initialSaleStars, rate)),
			lastSaleDate: last ? this.tl.unix(last.atMs ?? 0) : undefined,
			lastSalePrice: last ? big(starsValue(last.stars, rate)) : undefined,
			floorPrice: floor === undefined ? undefined : big(starsValue(floor, rate)),
			averagePrice: average === undefined ? undefined : big(starsValue(average, rate)),
			listedCount: listed > 0 ? listed : undefined,
		}).getBytes();
	}

	// ---- buying --------------------------------------------------------------------------------------

	invoice(raw: Api.InputInvoiceStarGiftResale, accountId: string): ResaleInvoice {
		return { slug: raw.slug, ton: raw.ton === true, peer: this.tl.peerOf(raw.toId, accountId, 'TO_ID_INVALID') };
	}

	/** payments.getPaymentForm(inputInvoiceStarGiftResale): one price, in XTR or TON (tdlib checks both). */
	paymentForm(raw: Api.InputInvoiceStarGiftResale, accountId: string): Buffer {
		const form = this.room.getForm(accountId, this.invoice(raw, accountId));
		return new Api.payments.PaymentFormStarGift({
			formId: big(form.formId),
			invoice: new Api.Invoice({ currency: form.ton ? 'TON' : 'XTR', prices: [new Api.LabeledPrice({ label: 'Gift', amount: big(form.amount) })] }),
		}).getBytes();
	}

	/**
	 * payments.sendStarsForm for a listing: the answer carries the service message
	 * messageActionStarGiftUnique (resale_amount set) in the chat with the recipient; the balance is pushed.
	 */
	pay(raw: Api.InputInvoiceStarGiftResale, formId: bigint, accountId: string, authKeyId: string): Buffer {
		const purchase = this.room.pay(accountId, formId, this.invoice(raw, accountId));
		const { peer, saved } = purchase;
		const toSelf = peer.kind === 'user' && peer.id === accountId;
		const message = new Api.MessageService({
			out: true,
			id: saved.msgId,
			fromId: new Api.PeerUser({ userId: big(accountId) }),
			peerId: this.tl.tlPeer(peer),
			date: this.tl.unix(saved.atMs),
			action: new Api.MessageActionStarGiftUnique({
				gift: this.uniqueTl(purchase.gift),
				saved: !saved.unsaved || undefined,
				fromId: toSelf ? undefined : new Api.PeerUser({ userId: big(accountId) }),
				peer: peer.kind === 'channel' ? this.tl.tlPeer(peer) : undefined,
				savedId: peer.kind === 'channel' ? big(saved.savedId) : undefined,
				resaleAmount: purchase.currency === 'TON' ? new Api.StarsTonAmount({ amount: big(purchase.amount) }) : new Api.StarsAmount({ amount: big(purchase.amount), nanos: 0 }),
			}),
		});
		const update = peer.kind === 'channel' ? new Api.UpdateNewChannelMessage({ message, pts: 0, ptsCount: 1 }) : new Api.UpdateNewMessage({ message, pts: 0, ptsCount: 1 });
		const users = [this.tl.user(accountId, accountId)];
		if (peer.kind === 'user' && peer.id !== accountId) users.push(this.tl.user(peer.id, accountId));
		const updates = this.tl.assign(accountId, new Api.Updates({ updates: [update], users, chats: peer.kind === 'channel' ? [this.tl.channel(peer.id, accountId)] : [], date: 0, seq: 0 }), authKeyId);
		const balance = purchase.currency === 'TON' ? new Api.StarsTonAmount({ amount: big(purchase.balanceAfter) }) : new Api.StarsAmount({ amount: big(purchase.balanceAfter), nanos: 0 });
		setImmediate(() => {
			this.tl.push(accountId, new Api.UpdateShort({ update: new Api.UpdateStarsBalance({ balance }), date: this.tl.unix() }));
		});
		return new Api.payments.PaymentResult({ updates }).getBytes();
	}
}
