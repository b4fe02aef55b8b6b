/**
 * The bot side of Gift Notify: a small client over grammY's Api that announces gifts (sticker +
 * caption), sends long texts split into messages, waits out 429s within a budget, and turns each
 * chat's outcome into a result instead of an exception, so one blocked chat never stops the others.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Api, InputFile } from 'grammy';
import { BotApiError, BotInputError, toBotApiError, type BotFailureReason } from './errors';
import { splitMessage } from './split';
import type { StickerCache } from './stickerCache';
import { renderCaption, type CaptionGift, type CaptionLang } from './template';

export const TELEGRAM_API_ROOT = 'https://api.telegram.org';

export interface BotClientOptions {
	token: string;
	/** Bot API base URL without trailing path, e.g. the sandbox's "http://127.0.0.1:PORT". */
	apiRoot?: string;
	/** Per-request timeout (default 30 s). */
	timeoutSeconds?: number;
	/** Total time one announceGift/sendText call may spend waiting out 429s (default 30 000 ms). */
	maxRetryWaitMs?: number;
}

export interface BotIdentity {
	/** Decimal string. */
	id: string;
	username: string | null;
	firstName: string;
}

/** What happened in one chat. messageIds lists what was delivered, even when a later send failed. */
export interface ChatResult {
	chatId: string;
	ok: boolean;
	messageIds: number[];
	error?: string;
	reason?: BotFailureReason;
	/** Whether sending again later might succeed (429 beyond the budget, network, Telegram 5xx). */
	retryable: boolean;
}

export interface StickerUpload {
	bytes: Buffer | Uint8Array;
	/** application/x-tgsticker (.tgs), image/webp or video/webm. */
	mime: string;
}

export interface AnnounceGiftParams {
	/** Chat ids as decimal strings ("-100…" for channels) or "@channelusername". */
	chatIds: string[];
	gift: CaptionGift;
	/** Uploaded only when the cache has no file_id for this gift yet. */
	sticker?: StickerUpload;
	/** Placeholders {title} {price} {supply} {remains} {id}; default by lang. */
	captionTemplate?: string;
	lang?: CaptionLang;
	stickerCache?: StickerCache;
}

export interface SendTextParams {
	chatIds: string[];
	text: string;
}

export interface BotClient {
	readonly apiRoot: string;
	/** The bot's user id from the token ("123456:ABC…" → "123456"), or null if the token has no id part. */
	readonly botId: string | null;
	getMe(): Promise<BotIdentity>;
	announceGift(params: AnnounceGiftParams): Promise<ChatResult[]>;
	sendText(params: SendTextParams): Promise<ChatResult[]>;
	/** Frees the keep-alive connections. */
	close(): void;
}

/** Extra wait on top of retry_after, so the retry does not land a hair early. */
const RETRY_MARGIN_MS = 50;

const STICKER_EXTENSIONS: Record<string, string> = {
	'application/x-tgsticker': 'tgs',
	'image/webp': 'webp',
	'video/webm': 'webm',
};

export function createBotClient(options: BotClientOptions): BotClient {
	const token = validateToken(options.token);
	const apiRoot = validateApiRoot(options.apiRoot ?? TELEGRAM_API_ROOT);
	const timeoutSeconds = options.timeoutSeconds ?? 30;
	if (!(timeoutSeconds > 0)) throw new BotInputError('timeoutSeconds', 'must be a positive number');
	const maxRetryWaitMs = options.maxRetryWaitMs ?? 30_000;
	if (!(maxRetryWaitMs >= 0)) throw new BotInputError('maxRetryWaitMs', 'must be ≥ 0');

	// Our own agent (not grammY's process-wide one) so close() can release its sockets.
	const agent = apiRoot.startsWith('https:') ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
	const api = new Api(token, { apiRoot, timeoutSeconds, baseFetchConfig: { agent } });

	/** One Bot API call; 429s are waited out while the shared budget lasts. */
	async function call<T>(method: string, budget: { waitedMs: number }, send: () => Promise<T>): Promise<T> {
		for (;;) {
			let error: BotApiError;
			try {
				return await send();
			} catch (thrown) {
				error = toBotApiError(thrown, method, token);
			}
			if (error.reason !== 'rate_limited') throw error;
			const retryAfter = error.details.retryAfter ?? 1;
			const waitMs = retryAfter * 1000 + RETRY_MARGIN_MS;
			if (budget.waitedMs + waitMs > maxRetryWaitMs) {
				throw new BotApiError(
					`${method}: Telegram asked to wait ${retryAfter} s (429 Too Many Requests), beyond the ` +
						`${maxRetryWaitMs / 1000} s wait budget; try again later`,
					'rate_limited',
					true,
					error.details,
				);
			}
			budget.waitedMs += waitMs;
			await sleep(waitMs);
		}
	}

	/** Runs `send` for each valid chat; a failure becomes that chat's result. */
	async function eachChat(
		rawChatIds: unknown,
		send: (chatId: string, delivered: number[]) => Promise<void>,
	): Promise<ChatResult[]> {
		const results: ChatResult[] = [];
		let fatal: BotApiError | null = null;
		for (const entry of normalizeChatIds(rawChatIds)) {
			if ('invalid' in entry) {
				results.push({ chatId: entry.invalid, ok: false, messageIds: [], error: entry.problem, reason: 'invalid_chat_id', retryable: false });
				continue;
			}
			const chatId = entry.chatId;
			if (fatal) {
				results.push({ chatId, ok: false, messageIds: [], error: fatal.message, reason: fatal.reason, retryable: fatal.retryable });
				continue;
			}
			const delivered: number[] = [];
			try {
				await send(chatId, delivered);
				results.push({ chatId, ok: true, messageIds: delivered, retryable: false });
			} catch (thrown) {
				const error = toBotApiError(thrown, 'send', token);
				// A rejected token fails every chat the same way: do not keep knocking.
				if (error.reason === 'unauthorized') fatal = error;
				results.push({ chatId, ok: false, messageIds: delivered, error: error.message, reason: error.reason, retryable: error.retryable });
			}
		}
		return results;
	}

	async function sendChunks(chatId: string, chunks: string[], budget: { waitedMs: number }, delivered: number[]) {
		for (const chunk of chunks) {
			const message = await call('sendMessage', budget, () => api.sendMessage(chatId, chunk));
			delivered.push(message.message_id);
		}
	}

	return {
		apiRoot,
		botId: /^(\d+):/.exec(token)?.[1] ?? null,

		async getMe(): Promise<BotIdentity> {
			const me = await api.getMe().catch((thrown: unknown) => Promise.reject(toBotApiError(thrown, 'getMe', token)));
			return { id: String(me.id), username: me.username ?? null, firstName: me.first_name };
		},

		async announceGift(params: AnnounceGiftParams): Promise<ChatResult[]> {
			const gift = validateGift(params.gift);
			const lang = params.lang ?? 'en';
			if (lang !== 'en' && lang !== 'ru') throw new BotInputError('lang', 'must be "en" or "ru"');
			const caption = renderCaption(gift, params.captionTemplate, lang);
			const chunks = splitMessage(caption);
			if (chunks.length === 0) throw new BotInputError('captionTemplate', 'renders to an empty caption');
			const upload = params.sticker === undefined ? null : validateSticker(params.sticker, gift.id);
			const cache = params.stickerCache;
			// Read before sending anything: a store failure fails the call, not a half-sent batch.
			let fileId: string | null = cache ? await cache.get(gift.id) : null;
			const budget = { waitedMs: 0 };

			return eachChat(params.chatIds, async (chatId, delivered) => {
				if (fileId !== null) {
					try {
						const message = await call('sendSticker', budget, () => api.sendSticker(chatId, fileId as string));
						delivered.push(message.message_id);
					} catch (thrown) {
						const error = toBotApiError(thrown, 'sendSticker', token);
						// A stale or foreign file_id: upload again when we have the bytes.
						if (error.reason !== 'invalid_file' || upload === null) throw error;
						fileId = null;
						if (cache?.delete) await settle(() => cache.delete?.(gift.id));
					}
				}
				if (fileId === null && upload !== null) {
					const message = await call('sendSticker', budget, () =>
						api.sendSticker(chatId, new InputFile(upload.bytes, upload.filename)),
					);
					delivered.push(message.message_id);
					fileId = message.sticker.file_id;
					// The sticker is out; losing the cache entry only costs an upload next time.
					const uploaded = fileId;
					if (cache) await settle(() => cache.put(gift.id, uploaded));
				}
				await sendChunks(chatId, chunks, budget, delivered);
			});
		},

		async sendText(params: SendTextParams): Promise<ChatResult[]> {
			if (typeof params.text !== 'string' || params.text.trim() === '') throw new BotInputError('text', 'is empty');
			const chunks = splitMessage(params.text);
			const budget = { waitedMs: 0 };
			return eachChat(params.chatIds, (chatId, delivered) => sendChunks(chatId, chunks, budget, delivered));
		},

		close(): void {
			agent.destroy();
		},
	};
}

function validateToken(token: unknown): string {
	if (typeof token !== 'string' || token.trim() === '') throw new BotInputError('token', 'is empty');
	// Never echo the token: only say what is wrong with it.
	if (/[\s/?#]/.test(token.trim())) throw new BotInputError('token', 'contains spaces or URL characters; paste the token as BotFather gave it');
	return token.trim();
}

function validateApiRoot(apiRoot: unknown): string {
	if (typeof apiRoot !== 'string' || apiRoot.trim() === '') throw new BotInputError('apiRoot', 'is empty');
	if (!URL.canParse(apiRoot.trim())) {
		throw new BotInputError('apiRoot', `"${apiRoot}" is not a URL (expected e.g. ${TELEGRAM_API_ROOT})`);
	}
	const url = new URL(apiRoot.trim());
	if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BotInputError('apiRoot', 'must start with http:// or https://');
	if (url.search || url.hash) throw new BotInputError('apiRoot', 'must not contain a query or fragment');
	return (url.origin + url.pathname).replace(/\/+$/, '');
}

function validateGift(gift: CaptionGift): CaptionGift {
	if (typeof gift !== 'object' || gift === null) throw new BotInputError('gift', 'is missing');
	if (typeof gift.id !== 'string' || !/^\d+$/.test(gift.id)) throw new BotInputError('gift.id', 'must be a decimal string');
	if (typeof gift.stars !== 'number' || !Number.isFinite(gift.stars) || gift.stars < 0) {
		throw new BotInputError('gift.stars', 'must be a number ≥ 0');
	}
	return gift;
}

function validateSticker(sticker: StickerUpload, giftId: string): { bytes: Uint8Array; filename: string } {
	if (!(sticker.bytes instanceof Uint8Array) || sticker.bytes.length === 0) throw new BotInputError('sticker.bytes', 'is empty');
	// n8n binaries often say application/octet-stream: recognise the bytes then.
	const ext = STICKER_EXTENSIONS[sticker.mime] ?? sniffStickerExtension(sticker.bytes);
	if (!ext) {
		throw new BotInputError('sticker.mime', `"${sticker.mime}" is not a sticker type (${Object.keys(STICKER_EXTENSIONS).join(', ')}) and the bytes are not .tgs, .webp or .webm`);
	}
	return { bytes: sticker.bytes, filename: `gift-${giftId}.${ext}` };
}

type ChatEntry = { chatId: string } | { invalid: string; problem: string };

const INT64_MAX = 9223372036854775807n;

/** Decimal ids (64-bit, kept as strings) or @usernames; duplicates are sent to once. */
function normalizeChatIds(raw: unknown): ChatEntry[] {
	if (!Array.isArray(raw)) throw new BotInputError('chatIds', 'must be a list of chat ids');
	if (raw.length === 0) throw new BotInputError('chatIds', 'is empty');
	const seen = new Set<string>();
	const out: ChatEntry[] = [];
	raw.forEach((value: unknown, index) => {
		const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : typeof value === 'string' ? value.trim() : null;
		const valid =
			text !== null &&
			((/^-?\d{1,19}$/.test(text) && BigInt(text) !== 0n && BigInt(text) <= INT64_MAX && BigInt(text) >= -INT64_MAX) ||
				/^@[A-Za-z][A-Za-z0-9_]{3,31}$/.test(text));
		if (!valid) {
			out.push({ invalid: String(value), problem: `chatIds[${index}]: "${String(value)}" is not a chat id (e.g. -1001234567890) or @channelname` });
			return;
		}
		if (seen.has(text)) return;
		seen.add(text);
		out.push({ chatId: text });
	});
	return out;
}

function sniffStickerExtension(bytes: Uint8Array): string | undefined {
	const head = Buffer.from(bytes.subarray(0, 12));
	if (head[0] === 0x1f && head[1] === 0x8b) return 'tgs';
	if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'webp';
	if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) return 'webm';
	return undefined;
}

/** Runs a cache write and ignores its failure (a cache miss later is harmless). */
async function settle(write: () => unknown): Promise<void> {
	try {
		await write();
	} catch {
		// Deliberately ignored: see callers.
	}
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
