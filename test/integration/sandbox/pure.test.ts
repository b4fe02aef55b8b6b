/** Pure parts of the sandbox: market rules on an injected clock, scenario validation (transports: test/unit/sandbox/transports.test.ts). */
import { Market, MarketError } from '../../../src/sandbox/market';
import { validateScenario, ScenarioError } from '../../../src/sandbox/scenario';

function market(extra: Record<string, unknown> = {}): { m: Market; clock: { t: number } } {
	const clock = { t: 0 };
	const scenario = validateScenario({
		seed: 1,
		accounts: [{ id: '1', balance: 100 }, { id: '2', balance: 1000, premium: true }],
		channels: [{ id: '-1000000000009', title: 'c' }],
		gifts: [{ id: '10', stars: 30, total: 5, releaseAtMs: 1000 }],
		...extra,
	});
	return { m: new Market(scenario, () => clock.t), clock };
}

const errorOf = (fn: () => unknown): string => {
	try {
		fn();
	} catch (error) {
		if (error instanceof MarketError) return error.telegramError;
	}
	return 'no error';
};

describe('market on an injected clock', () => {
	test('a gift is invisible before its release and appears at it', () => {
		const { m, clock } = market();
		expect(m.catalog()).toHaveLength(0);
		expect(m.nextEventAtMs()).toBe(1000);
		expect(errorOf(() => m.getPaymentForm('1', { kind: 'user', id: '1' }, '10'))).toBe('STARGIFT_INVALID');
		clock.t = 1000;
		expect(m.catalog().map((g) => g.def.id)).toEqual(['10']);
		expect(m.releases).toEqual([{ giftId: '10', atMs: 1000 }]);
	});

	test('demand depletes supply from the release on, with an exact sell-out time', () => {
		const { m, clock } = market({ demand: [{ giftId: '10', startMs: 0, perSecond: 2 }] });
		clock.t = 2000;
		expect(m.catalog()[0].remains).toBe(3);
		expect(m.nextEventAtMs()).toBe(3500);
		clock.t = 10000;
		m.advance();
		expect(m.soldOut).toEqual([{ giftId: '10', atMs: 3500 }]);
		expect(m.gifts.get('10')!.demandSold).toBe(5);
	});

	test('demand added at run time starts then, not at the scenario start', () => {
		const { m, clock } = market();
		clock.t = 4000;
		expect(m.catalog()[0].remains).toBe(5);
		m.addDemand('10', 2);
		expect(m.catalog()[0].remains).toBe(5);
		expect(m.nextEventAtMs()).toBe(6500);
		clock.t = 5000;
		expect(m.catalog()[0].remains).toBe(3);
		expect(() => m.addDemand('99', 1)).toThrow('no gift 99');
	});

	test('purchases charge, limit, and refuse stale or reused forms', () => {
		const { m, clock } = market({ formTtlMs: 500 });
		clock.t = 1000;
		const self = { kind: 'user' as const, id: '1' };
		const form = m.getPaymentForm('1', self, '10');
		const done = m.sendStarsForm('1', form.formId, { peer: self, giftId: '10' });
		expect(done.balanceAfter).toBe(70);
		expect(errorOf(() => m.sendStarsForm('1', form.formId, { peer: self, giftId: '10' }))).toBe('FORM_SUBMIT_DUPLICATE');
		expect(errorOf(() => m.sendStarsForm('2', form.formId, { peer: self, giftId: '10' }))).toBe('FORM_EXPIRED');
		const stale = m.getPaymentForm('1', self, '10');
		clock.t = 1501;
		expect(errorOf(() => m.sendStarsForm('1', stale.formId, { peer: self, giftId: '10' }))).toBe('FORM_EXPIRED');
		const priced = m.getPaymentForm('1', self, '10');
		m.setPrice('10', 31);
		expect(errorOf(() => m.sendStarsForm('1', priced.formId, { peer: self, giftId: '10' }))).toBe('STARS_FORM_AMOUNT_MISMATCH');
		m.setPrice('10', 80);
		const big = m.getPaymentForm('1', self, '10');
		expect(errorOf(() => m.sendStarsForm('1', big.formId, { peer: self, giftId: '10' }))).toBe('BALANCE_TOO_LOW');
		expect(m.balances()).toEqual({ 1: 70, 2: 1000 });
		expect(m.purchases.filter((p) => p.ok)).toHaveLength(1);
		expect(m.purchases.filter((p) => !p.ok).map((p) => p.error)).toEqual([
			'FORM_SUBMIT_DUPLICATE', 'FORM_EXPIRED', 'FORM_EXPIRED', 'STARS_FORM_AMOUNT_MISMATCH', 'BALANCE_TOO_LOW',
		]);
	});

	test('catalog hash changes with what the account sees', () => {
		const { m, clock } = market({ gifts: [{ id: '10', stars: 30, total: 5, perUserTotal: 1 }] });
		const before = m.catalogHash('1');
		expect(m.catalogHash('2')).toBe(before);
		const form = m.getPaymentForm('1', { kind: 'user', id: '1' }, '10');
		m.sendStarsForm('1', form.formId, { peer: { kind: 'user', id: '1' }, giftId: '10' });
		clock.t = 1;
		expect(m.catalogHash('1')).not.toBe(before);
		expect(m.perUserRemains('1', m.gifts.get('10')!)).toBe(0);
		expect(errorOf(() => m.getPaymentForm('1', { kind: 'user', id: '1' }, '10'))).toBe('STARGIFT_USER_USAGE_LIMITED');
	});
});

describe('scenario validation', () => {
	test('names every bad field', () => {
		let error: unknown;
		try {
			validateScenario({
				accounts: [{ id: 'abc', balance: -1 }],
				gifts: [{ id: '1', stars: 0, limited: true }],
				demand: [{ giftId: '2', perSecond: 1 }],
				faults: [{ method: 'payments.sendStarsForm', kind: 'explode' }],
				extra: 1,
			});
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ScenarioError);
		const problems = (error as ScenarioError).problems.join('\n');
		for (const field of [
			'scenario.extra', 'scenario.accounts[0].id', 'scenario.accounts[0].balance', 'scenario.gifts[0].stars',
			'scenario.gifts[0].total', 'scenario.demand[0].giftId', 'scenario.faults[0].kind',
		]) {
			expect(problems).toContain(field);
		}
	});

	test('peer fields: contacts, dialogs and members name accounts; gift handling, limits and the verification fault are checked', () => {
		let error: unknown;
		try {
			validateScenario({
				accounts: [
					{ id: '1', balance: 1, contacts: ['2', '9'], dialogs: ['1'], receivedGifts: 'burn' },
					{ id: '2', balance: 1 },
				],
				channels: [{ id: '5', title: 'C', members: ['7'], receivedGifts: 'keep' }],
				gifts: [{ id: '10', stars: 1 }],
				faults: [{ method: 'payments.getPaymentForm', kind: 'paymentVerificationNeeded' }],
				resolveUsernameLimit: { maxCalls: 0, windowMs: 1000 },
				giftApiMinLayer: 'new',
			});
		} catch (e) {
			error = e;
		}
		expect((error as ScenarioError).problems).toEqual(
			expect.arrayContaining([
				'scenario.accounts[0].receivedGifts must be one of save, hide, convert',
				'scenario.channels[0].receivedGifts must be one of save, hide, convert',
				'scenario.accounts[0].contacts[1] names no account (9)',
				'scenario.accounts[0].dialogs[0] names the account itself',
				'scenario.channels[0].members[0] names no account (7)',
				'scenario.resolveUsernameLimit.maxCalls must be an integer ≥ 1',
				'scenario.resolveUsernameLimit.waitSeconds must be an integer ≥ 1',
				'scenario.giftApiMinLayer must be an integer ≥ 1',
				'scenario.faults[0].method must be "payments.sendStarsForm" for kind "paymentVerificationNeeded"',
			]),
		);
		const ok = validateScenario({ accounts: [{ id: '1', balance: 1 }], gifts: [] });
		expect(ok.accounts[0]).toMatchObject({ contacts: [], dialogs: [], receivedGifts: 'save' });
		expect(ok.resolveUsernameLimit).toEqual({ method: 'contacts.resolveUsername', maxCalls: 30, windowMs: 60_000, waitSeconds: 300 });
		expect(ok.giftApiMinLayer).toBe(218);
	});

	test('the shipped examples are valid', () => {
		for (const name of ['simple-drop', 'competitive-sellout', 'faults']) {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			const json: unknown = require(`../../../examples/scenarios/${name}.json`);
			expect(validateScenario(json).accounts.length).toBeGreaterThan(0);
		}
	});
});
