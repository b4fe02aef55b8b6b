import { TestEngine, errorOf, outputOf, packageNode } from './harness/engine';

const gift = (id: string, stars: number, total: number | null, extra: Record<string, unknown> = {}) => ({
	json: {
		id,
		stars,
		limited: total !== null,
		soldOut: false,
		availabilityTotal: total,
		availabilityRemains: total,
		title: `Gift ${id}`,
		...extra,
	},
});

const accountsJson = JSON.stringify([
	{ id: '1001', label: 'alice', balance: 1000, premium: true },
	{ id: '1002', label: 'bob', balance: 300, premium: false },
]);

const planNode = (parameters: Record<string, unknown>) =>
	packageNode('Plan', 'telegramGiftPlan', {
		recipientsSource: 'list',
		recipients: { recipient: [{ peer: '-1001234567890', priceMin: 0, priceMax: 0, supplyMin: 0, supplyMax: 0, maxPerGift: 1 }] },
		accountsSource: 'expression',
		accountsJson,
		...parameters,
	});

describe('Telegram Gift Plan through n8n-core (dry run, balances from the parameter)', () => {
	const engine = new TestEngine();
	afterAll(() => engine.shutdown());

	it('plans limited gifts onto accounts by balance and skips the rest with reasons', async () => {
		const run = await engine.run(
			{ nodes: [planNode({ options: { seed: 7 } })] },
			{ input: [gift('11', 500, 1000), gift('12', 100, null), gift('13', 5000, 50)] },
		);
		expect(errorOf(run)).toBeUndefined();
		const [purchases, skipped] = outputOf(run, 'Plan');
		expect(purchases).toEqual([
			expect.objectContaining({ giftId: '11', accountId: '1001', accountLabel: 'alice', recipient: '-1001234567890', price: 500, quantity: 1 }),
		]);
		expect(purchases![0]!.opKey).toMatch(/^[0-9a-f]{32}$/);
		const reasons = Object.fromEntries(skipped!.map((s) => [s.giftId, s.reason]));
		expect(reasons).toEqual({ '12': 'non_limited', '13': 'insufficient_balance' });
	});

	it('reads recipients from an expression', async () => {
		const run = await engine.run(
			{
				nodes: [
					planNode({
						recipientsSource: 'expression',
						recipientsJson: '={{ $json.recipients }}',
					}),
				],
			},
			{ input: [{ json: { ...gift('21', 200, 100).json, recipients: [{ peer: '@mychannel', priceMax: 300 }] } }] },
		);
		expect(errorOf(run)).toBeUndefined();
		const [purchases] = outputOf(run, 'Plan');
		expect(purchases).toEqual([expect.objectContaining({ giftId: '21', recipient: '@mychannel' })]);
	});

	it('a bound of 0 is open, and an open lower bound starts the supply window at 0 ("up to 5,000" beats "from 1,000 up")', async () => {
		const run = await engine.run(
			{
				nodes: [
					planNode({
						recipients: {
							recipient: [
								{ peer: '@from_1000', priceMin: 0, priceMax: 0, supplyMin: 1000, supplyMax: 0, maxPerGift: 1 },
								{ peer: '@up_to_5000', priceMin: 0, priceMax: 0, supplyMin: 0, supplyMax: 5000, maxPerGift: 1 },
							],
						},
					}),
				],
			},
			{ input: [gift('31', 200, 3000)] },
		);
		expect(errorOf(run)).toBeUndefined();
		const [purchases] = outputOf(run, 'Plan');
		expect(purchases).toEqual([expect.objectContaining({ giftId: '31', recipient: '@up_to_5000' })]);
	});

	it('skips a gift released through an auction with reason auction', async () => {
		const run = await engine.run({ nodes: [planNode({})] }, { input: [gift('41', 200, 3000, { auction: true, auctionSlug: 'Rocket-1', giftsPerRound: 10 })] });
		expect(errorOf(run)).toBeUndefined();
		const [purchases, skipped] = outputOf(run, 'Plan');
		expect(purchases).toEqual([]);
		expect(skipped).toEqual([expect.objectContaining({ giftId: '41', reason: 'auction' })]);
	});

	it.each([
		['empty recipients', { recipients: { recipient: [] } }, 'Recipient List: add at least one recipient'],
		[
			'min > max',
			{ recipients: { recipient: [{ peer: 'me', priceMin: 500, priceMax: 100, supplyMin: 0, supplyMax: 0, maxPerGift: 1 }] } },
			'Recipient List › Recipient 1 › Min Price (Stars)',
		],
		[
			'malformed peer',
			{ recipients: { recipient: [{ peer: 'not a peer!', priceMin: 0, priceMax: 0, supplyMin: 0, supplyMax: 0, maxPerGift: 1 }] } },
			'Recipient List › Recipient 1 › Recipient',
		],
		['accounts JSON that is not JSON', { accountsJson: '[{"id": ' }, 'Accounts (JSON): is not valid JSON'],
		['an account without balance', { accountsJson: '[{"id": "1"}]' }, 'Accounts (JSON) › [0].balance'],
	])('rejects %s with a NodeOperationError naming the field', async (_name, parameters, expected) => {
		const run = await engine.run({ nodes: [planNode(parameters)] }, { input: [gift('11', 500, 1000)] });
		const error = errorOf(run);
		expect(error?.message).toContain(expected);
		expect(error?.node).toBe('Plan');
		expect(error?.message).not.toMatch(/\n\s+at /);
	});
});
