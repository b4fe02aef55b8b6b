/** Scenario files accept null for optional fields, as the package's own gift data writes them. */
import { validateScenario, ScenarioError } from '../../../src/sandbox/scenario';

const base = {
	accounts: [{ id: '1', balance: 100, username: null, label: 'main' }],
	channels: [{ id: '-1002000000001', title: 'Vault', username: null }],
	gifts: [
		{ id: '10', stars: 15, limited: false, total: null, remains: null, title: 'Heart' },
		{ id: '11', stars: 50, limited: true, total: 100, remains: null, releaseAtMs: 1000, perUserTotal: null },
	],
	faults: [{ method: 'payments.getStarGifts', error: 'FLOOD_WAIT_3', accountId: null }],
	durationMs: null,
	bot: null,
};

describe('scenario: null optional fields', () => {
	it('reads null as "not given": unlimited gifts, usernames, fault accounts, top-level options', () => {
		const s = validateScenario(base);
		expect(s.gifts[0]).toMatchObject({ id: '10', limited: false, total: undefined, remains: undefined });
		expect(s.gifts[1]).toMatchObject({ id: '11', limited: true, total: 100, remains: undefined, perUserTotal: undefined });
		expect(s.accounts[0].username).toBeUndefined();
		expect(s.faults[0].accountId).toBeUndefined();
		expect(s.durationMs).toBeUndefined();
		expect(s.bot).toBeUndefined();
	});

	it('an unlimited gift with total: null is not taken for a limited one', () => {
		const s = validateScenario({ ...base, gifts: [{ id: '12', stars: 15, total: null, remains: null }] });
		expect(s.gifts[0].limited).toBe(false);
	});

	it('a required field set to null is still named as missing', () => {
		expect(() => validateScenario({ ...base, gifts: [{ id: '13', stars: null }] })).toThrow(ScenarioError);
		expect(() => validateScenario({ ...base, gifts: [{ id: '13', stars: null }] })).toThrow(/scenario\.gifts\[0\]\.stars must be an integer ≥ 1/);
		expect(() => validateScenario({ ...base, gifts: [{ id: '14', stars: 5, limited: true, total: null }] })).toThrow(/scenario\.gifts\[0\]\.total is required for a limited gift/);
	});
});
