/** Login fields of sandbox scenarios: defaults, normalization, and errors that name the field. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioError, validateScenario } from '../../../src/sandbox';

const base = { accounts: [{ id: '1', balance: 1 }], gifts: [] };

function problems(input: unknown): string {
	try {
		validateScenario(input);
	} catch (error) {
		if (error instanceof ScenarioError) return error.message;
	}
	return '';
}

describe('scenario login fields', () => {
	it('the shipped login example is valid, phones are normalized to digits, defaults apply', () => {
		const json: unknown = JSON.parse(readFileSync(join(__dirname, '../../../examples/scenarios/login.json'), 'utf8'));
		const s = validateScenario(json);
		expect(s.accounts.map((a) => a.phone)).toEqual(['15550000001', '15550000002']);
		expect(s.accounts[1]).toMatchObject({ loginCode: '54321', password: 'sandbox-2fa' });
		expect(s).toMatchObject({ loginCodeTtlMs: 120_000, loginTokenTtlMs: 30_000, sendCodeLimit: { maxCalls: 5, windowMs: 3_600_000 } });
	});

	it('names each bad field', () => {
		const bad = problems({
			...base,
			accounts: [
				{ id: '1', balance: 1, phone: 'call me', loginCode: '12345' },
				{ id: '2', balance: 1, phone: '+15550000002' },
				{ id: '3', balance: 1, loginCode: '1', passwordHint: 'x' },
				{ id: '4', balance: 1, phone: '+1 555 000 0005', loginCode: '11111' },
				{ id: '5', balance: 1, phone: '15550000005', loginCode: '22222' },
			],
			loginCodeTtlMs: 0,
			sendCodeLimit: { maxCalls: 0 },
		});
		for (const field of [
			'scenario.accounts[0].phone', 'scenario.accounts[1].loginCode is required', 'scenario.accounts[2].loginCode must be',
			'scenario.accounts[2].phone is required', 'scenario.accounts[2].passwordHint needs a password',
			'scenario.accounts[4].phone repeats', 'scenario.loginCodeTtlMs', 'scenario.sendCodeLimit.maxCalls', 'scenario.sendCodeLimit.windowMs',
		]) {
			expect(bad).toContain(field);
		}
	});
});
