/**
 * Bad input through n8n-core (WorkflowExecute with the real nodes, the sandbox behind them):
 * every case must end in a NodeOperationError whose message names the parameter (and the item),
 * never a raw library error or stack trace, never a purchase, never a secret.
 */
import fc from 'fast-check';
import type { ICredentialDataDecryptedObject, IDataObject, INode, INodeExecutionData } from 'n8n-workflow';

import { TestEngine, outputOf, packageNode } from '../nodes/harness/engine';
import { ALICE, CHANNEL, OutputCapture, ZERO, looksLikeCrash, recordCase, runText, scanSecrets, startWorld, type World } from './lib';

const ACCOUNT = 'telegramGiftsAccountApi';
const BOT = 'telegramGiftsBotApi';
/** A 64-bit gift id as a JSON number: it loses its last digits, which is the point of these cases. */
const BIG_ID_NUMBER = Number('5170145012310081615');
const BIG_CHANNEL_NUMBER = Number('-1001234567890123456');
const HUGE = 'x'.repeat(100_000);
/**
 * By name: n8n-core carries its own copy of n8n-workflow and errors cross jest's module registry,
 * so instanceof is unreliable. An activation failure is n8n's WorkflowActivationError around the
 * node's own error (the editor shows the inner message).
 */
const isNodeOperationError = (error: unknown): boolean => {
	const e = error as { name?: string } | undefined;
	return e?.name === 'NodeOperationError' || e?.name === 'WorkflowActivationError';
};
/** A message longer than this is a wall of text, not a plain sentence. */
const MAX_MESSAGE = 600;

interface BadCase {
	name: string;
	node: INode;
	input?: INodeExecutionData[];
	/** The message must match this (the field's display name, and "(item N)" for per-item ones). */
	names: RegExp;
	/** Credentials to use instead of the sandbox's (merged over them), or 'none' to attach none. */
	credentials?: { type: string; data: IDataObject } | 'none';
	/** Trigger cases are activated (n8n's activation), the rest executed. */
	activate?: boolean;
}

const gift = (extra: IDataObject = {}) => ({ json: { id: '7001', stars: 100, limited: true, soldOut: false, availabilityTotal: 50, availabilityRemains: 50, ...extra } });
const validOp = (extra: IDataObject = {}) => ({
	json: { opKey: 'f'.repeat(32), accountId: ALICE, recipient: CHANNEL, giftId: '7001', price: 100, quantity: 1, supply: 50, ...extra },
});

const buyFields = (p: IDataObject) =>
	packageNode('Buy', 'telegramGift', { resource: 'gift', operation: 'buy', buySource: 'fields', giftId: '7001', recipient: CHANNEL, quantity: 1, ...p }, [ACCOUNT]);
const buyPlan = () => packageNode('Buy', 'telegramGift', { resource: 'gift', operation: 'buy', buySource: 'plan' }, [ACCOUNT]);
const sticker = (p: IDataObject) => packageNode('Sticker', 'telegramGift', { resource: 'gift', operation: 'downloadSticker', giftId: '7001', ...p }, [ACCOUNT]);
const canReceive = (recipient: unknown) =>
	packageNode('Check', 'telegramGift', { resource: 'recipient', operation: 'checkCanReceive', recipient: recipient as string }, [ACCOUNT]);
const plan = (p: IDataObject) =>
	packageNode('Plan', 'telegramGiftPlan', {
		recipientsSource: 'list',
		recipients: { recipient: [{ peer: CHANNEL, priceMin: 0, priceMax: 0, supplyMin: 0, supplyMax: 0, maxPerGift: 1 }] },
		accountsSource: 'expression',
		accountsJson: JSON.stringify([{ id: ALICE, label: 'alice', balance: 1000, premium: true }]),
		...p,
	});
const recipientWith = (p: IDataObject) => ({ recipients: { recipient: [{ peer: CHANNEL, priceMin: 0, priceMax: 0, supplyMin: 0, supplyMax: 0, maxPerGift: 1, ...p }] } });
const notify = (p: IDataObject, credentials = [BOT]) => packageNode('Notify', 'telegramGiftNotify', { chatIds: ALICE, ...p }, credentials);
const trigger = (p: IDataObject) => packageNode('Trigger', 'telegramGiftTrigger', { pollIntervalMs: 1000, events: ['newGift'], ...p }, [ACCOUNT]);

const CASES: BadCase[] = [
	// Telegram Gift → Buy (Define Below)
	{ name: 'buy: empty Gift ID (from an expression)', node: buyFields({ giftId: '={{ "" }}' }), names: /Gift ID \(item 0\)/ },
	{ name: 'buy: Gift ID not digits', node: buyFields({ giftId: 'abc' }), names: /Gift ID \(item 0\)/ },
	{ name: 'buy: Gift ID 100k characters', node: buyFields({ giftId: HUGE }), names: /Gift ID \(item 0\)/ },
	{ name: 'buy: Gift ID as a 64-bit number', node: buyFields({ giftId: `={{ ${BIG_ID_NUMBER} }}` }), names: /Gift ID \(item 0\)/ },
	{ name: 'buy: malformed recipient', node: buyFields({ recipient: 'not a peer!' }), names: /Recipient \(item 0\)/ },
	{ name: 'buy: empty recipient (from an expression)', node: buyFields({ recipient: '={{ "" }}' }), names: /Recipient \(item 0\)/ },
	{ name: 'buy: recipient as a 64-bit number', node: buyFields({ recipient: `={{ ${BIG_CHANNEL_NUMBER} }}` }), names: /Recipient \(item 0\)/ },
	{ name: 'buy: negative quantity', node: buyFields({ quantity: -1 }), names: /Quantity \(item 0\)/ },
	{ name: 'buy: NaN quantity', node: buyFields({ quantity: NaN }), names: /Quantity \(item 0\)/ },
	{ name: 'buy: fractional quantity', node: buyFields({ quantity: 1.5 }), names: /Quantity \(item 0\)/ },
	{ name: 'buy: quantity as text', node: buyFields({ quantity: 'two' }), names: /Quantity \(item 0\)/ },
	{ name: 'buy: negative max price', node: buyFields({ maxPrice: -5 }), names: /Max Price \(Stars\) \(item 0\)/ },
	{ name: 'buy: NaN max price', node: buyFields({ maxPrice: NaN }), names: /Max Price \(Stars\) \(item 0\)/ },
	{
		name: 'buy: unknown account on item 1 of 2 (item 0 valid)',
		node: buyFields({ account: '={{ $itemIndex === 1 ? "nobody" : "" }}' }),
		input: [{ json: {} }, { json: {} }],
		names: /Account \(item 1\)/,
	},
	// Telegram Gift → Buy (plan items)
	{ name: 'buy plan item: empty object', node: buyPlan(), input: [{ json: {} }], names: /Plan item field "opKey" \(item 0\)/ },
	{ name: 'buy plan item: negative price', node: buyPlan(), input: [validOp({ price: -1 })], names: /Plan item field "price" \(item 0\)/ },
	{ name: 'buy plan item: NaN price', node: buyPlan(), input: [validOp({ price: NaN })], names: /Plan item field "price" \(item 0\)/ },
	{ name: 'buy plan item: price as text', node: buyPlan(), input: [validOp({ price: 'cheap' })], names: /Plan item field "price" \(item 0\)/ },
	{ name: 'buy plan item: quantity 0', node: buyPlan(), input: [validOp({ quantity: 0 })], names: /Plan item field "quantity" \(item 0\)/ },
	{ name: 'buy plan item: accountId as 64-bit number', node: buyPlan(), input: [validOp({ accountId: BIG_ID_NUMBER })], names: /Plan item field "accountId" \(item 0\)/ },
	{ name: 'buy plan item: giftId as 64-bit number', node: buyPlan(), input: [validOp({ giftId: BIG_ID_NUMBER })], names: /Plan item field "giftId" \(item 0\)/ },
	{ name: 'buy plan item: giftId not digits', node: buyPlan(), input: [validOp({ giftId: 'abc' })], names: /Plan item field "giftId" \(item 0\)/ },
	{ name: 'buy plan item: malformed recipient', node: buyPlan(), input: [validOp({ recipient: '-100abc' })], names: /Plan item field "recipient" \(item 0\)/ },
	{
		name: 'buy plan item: bad item 2 of 3',
		node: buyPlan(),
		input: [validOp({ opKey: 'a'.repeat(32) }), validOp({ opKey: 'b'.repeat(32) }), validOp({ opKey: 'c'.repeat(32), supply: -3 })],
		names: /Plan item field "supply" \(item 2\)/,
	},
	{
		name: 'buy plan item: non-JSON binary as the item',
		node: buyPlan(),
		input: [{ json: { data: '\u0000\u00ff\u0001garbage' }, binary: { data: { data: Buffer.from([0, 255, 1, 2]).toString('base64'), mimeType: 'application/octet-stream' } } }],
		names: /Plan item field "opKey" \(item 0\)/,
	},
	// Telegram Gift → Download Sticker / Check Can Receive
	{ name: 'sticker: Gift ID not digits', node: sticker({ giftId: '7001; DROP' }), names: /Gift ID \(item 0\)/ },
	{ name: 'sticker: empty output field', node: sticker({ binaryPropertyName: '  ' }), names: /Put Output File in Field \(item 0\)/ },
	{ name: 'check: empty recipient (from an expression)', node: canReceive('={{ "  " }}'), names: /Recipient \(item 0\)/ },
	{ name: 'check: malformed username', node: canReceive('@a'), names: /Recipient \(item 0\)/ },
	{ name: 'check: recipient as an object', node: canReceive('={{ { "id": 1 } }}'), names: /Recipient \(item 0\)/ },
	// Credentials
	{ name: 'credential: API ID negative', node: buyFields({}), credentials: { type: ACCOUNT, data: { apiId: -1 } }, names: /API ID/ },
	{ name: 'credential: API Hash empty', node: buyFields({}), credentials: { type: ACCOUNT, data: { apiHash: '' } }, names: /API Hash/ },
	{ name: 'credential: session not a session', node: buyFields({}), credentials: { type: ACCOUNT, data: { accounts: { account: [{ label: 'alice', session: 'not a session' }] } } }, names: /Accounts/ },
	{ name: 'credential: no sessions', node: buyFields({}), credentials: { type: ACCOUNT, data: { accounts: { account: [] } } }, names: /Accounts/ },
	{ name: 'credential: port 70000', node: buyFields({}), credentials: { type: ACCOUNT, data: { port: 70000 } }, names: /Port/ },
	{ name: 'credential: bot token malformed', node: notify({ operation: 'sendMessage', text: 'hi' }), credentials: { type: BOT, data: { token: 'abc' } }, names: /Bot Token/ },
	{ name: 'credential: none attached (buy)', node: { ...buyFields({}), credentials: {} }, credentials: 'none', names: /[Cc]redential/ },
	{ name: 'credential: none attached (notify)', node: { ...notify({ operation: 'sendMessage', text: 'hi' }), credentials: {} }, credentials: 'none', names: /[Cc]redential/ },
	// Telegram Gift Plan
	{ name: 'plan: min price > max price', node: plan(recipientWith({ priceMin: 500, priceMax: 100 })), input: [gift()], names: /Recipient 1 › (Min|Max) Price/ },
	{ name: 'plan: min supply > max supply', node: plan(recipientWith({ supplyMin: 500, supplyMax: 100 })), input: [gift()], names: /Recipient 1 › (Min|Max) Supply/ },
	{ name: 'plan: negative min price', node: plan(recipientWith({ priceMin: -1 })), input: [gift()], names: /Recipient 1 › Min Price/ },
	{ name: 'plan: NaN max supply', node: plan(recipientWith({ supplyMax: NaN })), input: [gift()], names: /Recipient 1 › Max Supply/ },
	{ name: 'plan: fractional max copies', node: plan(recipientWith({ maxPerGift: 1.5 })), input: [gift()], names: /Recipient 1 › Copies per Gift/ },
	{ name: 'plan: malformed peer', node: plan(recipientWith({ peer: '@@bad' })), input: [gift()], names: /Recipient 1 › Recipient/ },
	{ name: 'plan: peer as a 64-bit number', node: plan(recipientWith({ peer: `={{ ${BIG_CHANNEL_NUMBER} }}` })), input: [gift()], names: /Recipient 1 › Recipient/ },
	{ name: 'plan: empty recipient list', node: plan({ recipients: {} }), input: [gift()], names: /Recipient List/ },
	{ name: 'plan: recipients JSON not JSON', node: plan({ recipientsSource: 'expression', recipientsJson: '\u0000\u00ffnot json' }), input: [gift()], names: /Recipients \(JSON\)/ },
	{ name: 'plan: recipients JSON an object', node: plan({ recipientsSource: 'expression', recipientsJson: '{"peer": "me"}' }), input: [gift()], names: /Recipients \(JSON\)/ },
	{ name: 'plan: accounts JSON negative balance', node: plan({ accountsJson: '[{"id": "1", "balance": -5}]' }), input: [gift()], names: /Accounts \(JSON\) › \[0\]\.balance/ },
	{ name: 'plan: accounts JSON 64-bit id as number', node: plan({ accountsJson: `[{"id": ${BIG_ID_NUMBER}, "balance": 5}]` }), input: [gift()], names: /Accounts \(JSON\) › \[0\]\.id/ },
	{ name: 'plan: accounts JSON huge string', node: plan({ accountsJson: HUGE }), input: [gift()], names: /Accounts \(JSON\)/ },
	{ name: 'plan: negative max stars per run', node: plan({ options: { maxStarsPerRun: -1 } }), input: [gift()], names: /Options › Max Stars per Run/ },
	{ name: 'plan: NaN reserve', node: plan({ options: { reserveStars: NaN } }), input: [gift()], names: /Options › Reserve Stars per Account/ },
	{ name: 'plan: gift field missing on item 1', node: plan({ options: { giftField: 'gift' } }), input: [{ json: { gift: gift().json } }, { json: {} }], names: /Gift Field \(item 1\)/ },
	// Telegram Gift Notify
	{ name: 'notify: empty text (from an expression)', node: notify({ operation: 'sendMessage', text: '={{ "" }}' }), names: /Text \(item 0\)/ },
	{ name: 'notify: malformed chat id', node: notify({ operation: 'sendMessage', text: 'hi', chatIds: 'my friend' }), names: /Chat IDs \(item 0\)/ },
	{ name: 'notify: chat ids as an object', node: notify({ operation: 'sendMessage', text: 'hi', chatIds: '={{ { "a": 1 } }}' }), names: /Chat IDs \(item 0\)/ },
	{ name: 'notify: no chat at all', node: notify({ operation: 'sendMessage', text: 'hi', chatIds: '' }), names: /Chat IDs \(item 0\)/ },
	{ name: 'notify: announce item without gift id', node: notify({ operation: 'announceGift' }), input: [{ json: { stars: 5 } }], names: /Input item \(item 0\)/ },
	{ name: 'notify: announce gift id as 64-bit number', node: notify({ operation: 'announceGift' }), input: [{ json: { id: BIG_ID_NUMBER, stars: 5 } }], names: /Input item \(item 0\)/ },
	{ name: 'notify: announce NaN stars', node: notify({ operation: 'announceGift' }), input: [{ json: { id: '7001', stars: NaN } }], names: /Input item \(item 0\)/ },
	{ name: 'notify: caption template unknown placeholder', node: notify({ operation: 'announceGift', captionTemplate: '{nope}' }), input: [gift()], names: /Caption Template \(item 0\)/ },
	{ name: 'notify: account chats without account credential', node: notify({ operation: 'sendMessage', text: 'hi', accountChats: true, chatIds: '' }), names: /Send to Every Account's Own Chat \(item 0\)/ },
	{ name: 'notify: report of unrelated items', node: notify({ operation: 'sendReport', accountChats: false }), input: [{ json: { hello: 'world' } }], names: /Input items \(item 0\)/ },
	{ name: 'notify: report with NaN price', node: notify({ operation: 'sendReport', accountChats: false }), input: [validOp({ price: NaN })], names: /Input items/ },
	// Telegram Gift Trigger (activation)
	{ name: 'trigger: interval below minimum', node: trigger({ pollIntervalMs: 20 }), activate: true, names: /Poll Interval \(ms\)/ },
	{ name: 'trigger: NaN interval', node: trigger({ pollIntervalMs: NaN }), activate: true, names: /Poll Interval \(ms\)/ },
	{ name: 'trigger: no events', node: trigger({ events: [] }), activate: true, names: /Events/ },
	{ name: 'trigger: unknown event', node: trigger({ events: ['everything'] }), activate: true, names: /Events/ },
	{ name: 'trigger: negative session floor', node: trigger({ options: { sessionFloorMs: -1 } }), activate: true, names: /Min Time Between Polls per Account/ },
	{ name: 'trigger: zero test gifts', node: trigger({ options: { testGiftCount: 0 } }), activate: true, names: /Gifts in Test Run/ },
];

describe('bad input through n8n-core', () => {
	const engine = new TestEngine();
	let world: World;
	const capture = new OutputCapture();

	beforeAll(async () => {
		world = await startWorld(engine);
	});
	afterAll(async () => {
		await world.stop();
		await engine.shutdown();
	});

	/** Runs one case and records its line; returns the message shown to the user. */
	async function runCase(c: BadCase): Promise<{ message: string; unclear: boolean; leaks: string[]; overspend: number }> {
		world.useCredentials();
		if (c.credentials && c.credentials !== 'none') {
			engine.credentials.set(c.credentials.type, { ...engine.credentials.get(c.credentials.type), ...c.credentials.data } as ICredentialDataDecryptedObject);
		}
		const paidBefore = world.paid();
		const started = Date.now();
		capture.start();
		let error: (Error & { description?: unknown }) | undefined;
		let shown = '';
		try {
			if (c.activate) {
				const active = await engine.activate({ nodes: [c.node] }).catch((e: Error) => e);
				if (active instanceof Error) error = active;
				else await active.deactivate();
				shown = error ? `${error.message}\n${String(error.description ?? '')}` : '';
			} else {
				const run = await engine.run({ nodes: [c.node] }, { input: c.input });
				error = run.data.resultData.error as typeof error;
				shown = runText(run);
				if (!error) shown += JSON.stringify(outputOf(run, c.node.name));
			}
		} finally {
			const out = capture.stop();
			shown += `\n${out}`;
		}
		const message = error?.message ?? '(no error)';
		const unclear =
			!isNodeOperationError(error) || !c.names.test(message) || looksLikeCrash(message) || message.length > MAX_MESSAGE || message.includes('<secret>');
		const newPaid = world.paid().slice(paidBefore.length);
		const overspend = newPaid.reduce((sum, p) => sum + p.stars, 0);
		const leaks = scanSecrets(world, shown);
		recordCase({
			stage: 'badInput',
			case: c.name,
			outcome: `${error?.name ?? 'no error'}: ${message.length > 200 ? `${message.slice(0, 200)}… (${message.length} chars)` : message}`,
			ms: Date.now() - started,
			...ZERO,
			overspendStars: overspend,
			secretsLeaked: leaks.length,
			unclearErrors: unclear ? 1 : 0,
		});
		return { message, unclear, leaks, overspend };
	}

	it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
		const result = await runCase(c);
		expect({ message: result.message, unclear: result.unclear, leaks: result.leaks, overspend: result.overspend }).toEqual({
			message: expect.stringMatching(c.names),
			unclear: false,
			leaks: [],
			overspend: 0,
		});
	});

	/** Plan items for Buy with one field replaced by a value no field accepts. */
	it('fuzz: plan items with a corrupted field (fast-check, fixed seed)', async () => {
		const fields = ['opKey', 'accountId', 'recipient', 'giftId', 'price', 'quantity'] as const;
		const badValue = fc.oneof(
			fc.constant(undefined),
			fc.constant(null),
			fc.constant(''),
			fc.constant(NaN),
			fc.constant(-7.5),
			fc.constant(Infinity),
			fc.constant({ nested: 1 }),
			fc.constant([1, 2]),
			fc.constant(true),
			fc.constant(HUGE.slice(0, 5000) + ' '),
		);
		const sample = fc.sample(fc.tuple(fc.constantFrom(...fields), badValue, fc.integer({ min: 1, max: 3 })), { seed: 20240917, numRuns: 30 });
		const failures: string[] = [];
		for (const [field, value, count] of sample) {
			// Any non-empty text is a valid opKey or account id for the core (both opaque; an unknown
			// account becomes a per-item "skipped" result): not a bad value there.
			if ((field === 'opKey' || field === 'accountId') && typeof value === 'string' && value !== '') continue;
			const input = Array.from({ length: count }, (_v, i) => validOp({ opKey: `${i}`.repeat(32), [field]: value }));
			const shown = typeof value === 'number' || value === undefined ? String(value) : typeof value === 'string' && value.length > 30 ? `<${value.length}-char text>` : JSON.stringify(value);
			const label = `fuzz: buy plan item ${field}=${shown} ×${count}`;
			const result = await runCase({ name: label, node: buyPlan(), input, names: new RegExp(`Plan item field "${field}" \\(item 0\\)`) });
			if (result.unclear || result.leaks.length > 0 || result.overspend > 0) failures.push(`${label}: ${result.message.slice(0, 200)}`);
		}
		expect(failures).toEqual([]);
	});
});
