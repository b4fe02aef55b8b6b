import { ValidationError, validatePlan, validatePlanInput, validateResults, DEFAULT_OPTIONS } from '../../../src/core';
import { account, recipient } from './fixtures';

function fails(input: unknown): ValidationError {
	try {
		validatePlanInput(input);
	} catch (error) {
		expect(error).toBeInstanceOf(ValidationError);
		expect(error).toBeInstanceOf(Error);
		return error as ValidationError;
	}
	throw new Error('expected a ValidationError');
}

const good = () => ({
	gifts: [],
	accounts: [account('1', 100)],
	recipients: [recipient('-1001111111111'), recipient('@somebody'), recipient('me')],
});

describe('validatePlanInput', () => {
	it('applies the documented defaults', () => {
		const v = validatePlanInput(good());
		expect(v.options).toEqual(DEFAULT_OPTIONS);
		expect(DEFAULT_OPTIONS).toMatchObject({ onlyLimited: true, reserveStars: 0, seed: 0, runKey: '', nowSec: null });
	});

	it('names the field and the item index, with the numbers', () => {
		const input = good();
		input.recipients.push(recipient('-1002222222222', { priceMin: 50, priceMax: 10 }));
		const e = fails(input);
		expect(e.field).toBe('recipients[3].priceMin');
		expect(e.message).toBe('recipients[3].priceMin must be ≤ priceMax (got 50 > 10)');
	});

	it.each<[string, (i: ReturnType<typeof good>) => unknown, string, RegExp]>([
		['input not an object', () => [], 'input', /object/],
		['unknown top-level key', (i) => ({ ...i, recipient: [] }), 'recipient', /not a known field/],
		['gifts missing', (i) => ({ ...i, gifts: undefined }), 'gifts', /array/],
		['account id missing', (i) => ({ ...i, accounts: [{ balance: 5 }] }), 'accounts[0].id', /required/],
		['account balance missing', (i) => ({ ...i, accounts: [{ id: '1' }] }), 'accounts[0].balance', /required/],
		['negative balance', (i) => ({ ...i, accounts: [account('1', -1)] }), 'accounts[0].balance', /≥ 0/],
		['balance not a number', (i) => ({ ...i, accounts: [account('1', 'lots' as unknown as number)] }), 'accounts[0].balance', /number/],
		['duplicate account', (i) => ({ ...i, accounts: [account('1', 1), account('2', 1), account('1', 1)] }), 'accounts[2].id', /repeats accounts\[0\]/],
		['premium not boolean', (i) => ({ ...i, accounts: [account('1', 1, { premium: 'yes' as unknown as boolean })] }), 'accounts[0].premium', /true or false/],
		['malformed peer', (i) => ({ ...i, recipients: [recipient('-123')] }), 'recipients[0].peer', /channel id/],
		['missing peer', (i) => ({ ...i, recipients: [{ priceMin: 1 }] }), 'recipients[0].peer', /required/],
		['snake_case filter (typo)', (i) => ({ ...i, recipients: [{ peer: 'me', price_min: 1 }] }), 'recipients[0].price_min', /not a known field/],
		['negative price filter', (i) => ({ ...i, recipients: [recipient('me', { priceMax: -1 })] }), 'recipients[0].priceMax', /≥ 0/],
		['supply min > max', (i) => ({ ...i, recipients: [recipient('me', { supplyMin: 10, supplyMax: 5 })] }), 'recipients[0].supplyMin', /≤ supplyMax \(got 10 > 5\)/],
		['maxPerGift 0', (i) => ({ ...i, recipients: [recipient('me', { maxPerGift: 0 })] }), 'recipients[0].maxPerGift', /≥ 1/],
		['maxPerGift fractional', (i) => ({ ...i, recipients: [recipient('me', { maxPerGift: 1.5 })] }), 'recipients[0].maxPerGift', /integer/],
		['unknown option', (i) => ({ ...i, options: { maxPerGiftPerAcount: 1 } }), 'options.maxPerGiftPerAcount', /not a known field/],
		['negative reserve', (i) => ({ ...i, options: { reserveStars: -5 } }), 'options.reserveStars', /≥ 0/],
		['seed not integer', (i) => ({ ...i, options: { seed: 1.5 } }), 'options.seed', /integer/],
		['onlyLimited not boolean', (i) => ({ ...i, options: { onlyLimited: 'no' } }), 'options.onlyLimited', /true or false/],
		['runKey not string', (i) => ({ ...i, options: { runKey: 5 } }), 'options.runKey', /string/],
		['infinite budget', (i) => ({ ...i, options: { maxStarsPerRun: Infinity } }), 'options.maxStarsPerRun', /finite/],
	])('rejects %s', (_name, mutate, field, reason) => {
		const e = fails(mutate(good()));
		expect(e.field).toBe(field);
		expect(e.message.startsWith(field + ' ')).toBe(true);
		expect(e.message).toMatch(reason);
	});

	it('canonicalizes peers and accepts numeric strings from n8n expressions', () => {
		const v = validatePlanInput({
			...good(),
			accounts: [{ id: 42, balance: '100', extra: 'ignored' }],
			recipients: [{ peer: '@SomeBody', priceMin: '10', priceMax: '', maxPerGift: '2' }],
		});
		expect(v.accounts[0]).toEqual({ id: '42', balance: 100, premium: null });
		expect(v.recipients[0]).toEqual({ peer: '@somebody', priceMin: 10, priceMax: null, supplyMin: null, supplyMax: null, maxPerGift: 2 });
	});
});

describe('validatePlan and validateResults', () => {
	const op = { opKey: 'k1', accountId: '1', recipient: '-1001111111111', giftId: '5', price: 10, quantity: 1, supply: 100 };

	it('checks operations and names the index', () => {
		expect(() => validatePlan({ operations: [op, { ...op, opKey: 'k2', quantity: 0 }], skips: [] })).toThrow(
			'plan.operations[1].quantity must be ≥ 1 (got 0)',
		);
		expect(() => validatePlan({ operations: [op, op], skips: [] })).toThrow('plan.operations[1].opKey repeats plan.operations[0].opKey');
		expect(() => validatePlan({ operations: [], skips: [{ giftId: '1', reason: 'nope', detail: '' }] })).toThrow(
			/plan.skips\[0\].reason "nope" is not a skip reason/,
		);
	});

	it('derives a summary when the plan has none', () => {
		const plan = validatePlan({ operations: [op], skips: [{ giftId: '6', reason: 'sold_out', detail: 'x' }] });
		expect(plan.summary).toEqual({ gifts: 2, plannedGifts: 1, skippedGifts: 1, operations: 1, quantity: 1, stars: 10 });
	});

	it('accepts results and n8n items, rejects bad status', () => {
		const r = { opKey: 'k1', status: 'bought', quantityBought: 1 };
		expect(validateResults([r, { json: r }])).toEqual([
			{ opKey: 'k1', status: 'bought', reason: null, quantityBought: 1 },
			{ opKey: 'k1', status: 'bought', reason: null, quantityBought: 1 },
		]);
		expect(() => validateResults([r, { ...r, status: 'done' }])).toThrow('results[1].status must be one of bought, failed, skipped (got "done")');
		expect(() => validateResults({})).toThrow('results must be an array');
	});
});
