/**
 * The login workflow template: Form Trigger → Send Code → Wait (form) → Sign In → Form ending,
 * with the session parameters agreed with the Telegram Gift node, no saved execution data, and
 * every connection pointing at a node that exists.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface TemplateNode {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
	onError?: string;
}

const workflow = JSON.parse(readFileSync(join(__dirname, '../../../workflows/login.json'), 'utf8')) as {
	nodes: TemplateNode[];
	connections: Record<string, { main: Array<Array<{ node: string }>> }>;
	settings: Record<string, unknown>;
};

describe('workflows/login.json', () => {
	it('saves no execution data', () => {
		expect(workflow.settings).toMatchObject({
			saveDataSuccessExecution: 'none',
			saveDataErrorExecution: 'none',
			saveManualExecutions: false,
		});
	});

	it('chains the form, the two session operations, the code form and the ending pages', () => {
		const byName = new Map(workflow.nodes.map((n) => [n.name, n]));
		const next = (name: string, output = 0): TemplateNode[] =>
			(workflow.connections[name]?.main[output] ?? []).map((c) => byName.get(c.node)!);
		const trigger = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.formTrigger')!;
		const [sendCode] = next(trigger.name);
		expect(sendCode).toMatchObject({ type: 'n8n-nodes-telegram-gifts.telegramGift', parameters: { resource: 'session', operation: 'sendCode' } });
		const [wait] = next(sendCode.name);
		expect(wait).toMatchObject({ type: 'n8n-nodes-base.wait', parameters: { resume: 'form' } });
		const [signIn] = next(wait.name);
		expect(signIn).toMatchObject({ type: 'n8n-nodes-telegram-gifts.telegramGift', parameters: { resource: 'session', operation: 'signIn' } });
		const [ending] = next(signIn.name);
		expect(ending).toMatchObject({ type: 'n8n-nodes-base.form', parameters: { operation: 'completion' } });
		// The last page: the session inside the card (a wrapping read-only box) with a copy button.
		expect(ending.parameters.respondWith).toBe('showText');
		const page = String(ending.parameters.responseText);
		expect(page).toMatch(/<div class=\\"card\\">[\s\S]*<textarea id=\\"session\\" readonly[^>]*word-break:break-all[^>]*>" \+ \$json\.session \+ "<\/textarea><button type=\\"button\\" id=\\"copy\\"[\s\S]*Copy session string<\/button>[\s\S]*<\/div><\/section><\/div>/);
		// Nothing a user typed reaches the page unescaped (the 2FA hint is the one free text).
		expect(page).toContain("String($json.hint).replace(/&/g, '&amp;').replace(/</g, '&lt;')");
		// Failures end on a page too (error outputs), instead of a broken form.
		for (const node of [sendCode, signIn]) {
			expect(node.onError).toBe('continueErrorOutput');
			expect(next(node.name, 1)[0]).toMatchObject({ type: 'n8n-nodes-base.form', parameters: { operation: 'completion' } });
		}
		for (const [from, { main }] of Object.entries(workflow.connections)) {
			expect(byName.has(from)).toBe(true);
			for (const c of main.flat()) expect(byName.has(c.node)).toBe(true);
		}
	});

	it('uses only the agreed session parameter names', () => {
		const agreed = new Set(['resource', 'operation', 'phone', 'apiId', 'apiHash', 'server', 'startSession', 'loginId', 'code', 'password']);
		for (const node of workflow.nodes.filter((n) => n.type === 'n8n-nodes-telegram-gifts.telegramGift')) {
			for (const key of Object.keys(node.parameters)) expect(agreed).toContain(key);
		}
	});
});
