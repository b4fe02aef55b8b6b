/** Scenario fields for the sandbox's data centers: an account's `dc` and a gift sticker's `stickerDc`. */
import { validateScenario, ScenarioError } from '../../../src/sandbox/scenario';

const scenario = (account: Record<string, unknown>, gift: Record<string, unknown>) => ({
	accounts: [{ id: '1', balance: 100, ...account }],
	gifts: [{ id: '10', stars: 15, ...gift }],
});

describe('scenario: data centers', () => {
	it('defaults both to DC 2 (the entry DC), also for null', () => {
		const s = validateScenario(scenario({ dc: null }, {}));
		expect(s.accounts[0]!.dc).toBe(2);
		expect(s.gifts[0]!.stickerDc).toBe(2);
	});

	it('takes DC 1 or 3', () => {
		const s = validateScenario(scenario({ dc: 1 }, { stickerDc: 3 }));
		expect(s.accounts[0]!.dc).toBe(1);
		expect(s.gifts[0]!.stickerDc).toBe(3);
	});

	it('refuses a DC the sandbox does not run, naming the field', () => {
		let error: unknown;
		try {
			validateScenario(scenario({ dc: 4 }, { stickerDc: '1' }));
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ScenarioError);
		expect(String((error as Error).message)).toMatch(/scenario\.accounts\[0\]\.dc must be one of the sandbox's data centers: 1, 2, 3/);
		expect(String((error as Error).message)).toMatch(/scenario\.gifts\[0\]\.stickerDc must be one of/);
	});
});
