/* eslint-disable no-console -- the capture of console output is what is checked */
/**
 * The secret scan must be able to fail: a planted secret in each form (raw, base64, base64url,
 * URL-encoded) in each place the scan reads (captured stdout/stderr/console, the sandbox log, run
 * text) is found. Not a figure: a guard that the secretsLeaked = 0 of the other cases means something.
 */
import { TestEngine } from '../nodes/harness/engine';
import { OutputCapture, scanSecrets, startWorld } from './lib';

describe('secret scan self-check', () => {
	const engine = new TestEngine();
	afterAll(() => engine.shutdown());

	it('finds every planted form of every secret in every place it reads', async () => {
		const world = await startWorld(engine);
		try {
			const capture = new OutputCapture();
			for (const secret of world.secrets) {
				const forms = [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), encodeURIComponent(secret)];
				for (const form of forms) {
					expect(scanSecrets(world, `run output … ${form} …`).length).toBeGreaterThan(0);
				}
			}
			// The capture sees process writes and console calls (a marker, so no secret is printed).
			capture.start();
			process.stderr.write('scan-marker-stderr\n');
			process.stdout.write('scan-marker-stdout\n');
			console.warn('scan-marker-console');
			const out = capture.stop();
			expect(out).toEqual(expect.stringContaining('scan-marker-stderr'));
			expect(out).toEqual(expect.stringContaining('scan-marker-stdout'));
			expect(out).toEqual(expect.stringContaining('scan-marker-console'));
			world.sandboxLog.push(`info planted ${world.secrets[0]}`);
			expect(scanSecrets(world).length).toBeGreaterThan(0);
			world.sandboxLog.pop();
			expect(scanSecrets(world, 'nothing secret here')).toEqual([]);
		} finally {
			await world.stop();
		}
	});
});
