'use strict';
// Harness self-test with n8n's own nodes: an active Schedule → Code workflow must run in the real
// n8n (task runner included), executions must be readable from its database, and the editor's
// node types must list every node the packed package declares.

const assert = require('node:assert/strict');
const path = require('node:path');
const { ownerLogin, editorNodeTypes } = require('../harness');
const { nodeOutput } = require('../n8n');
const { waitUntil } = require('../util');
const { PACKAGE_NAME } = require('../package');

module.exports = {
	name: 'self-test: real n8n runs an active Schedule → Code workflow and lists the package nodes',
	async run({ run }) {
		const { n8n, described } = run;
		const workflow = require(path.join(__dirname, '..', 'fixtures', 'selftest.workflow.json'));
		const [id] = n8n.importWorkflows([workflow]);
		n8n.activate([id]);
		const startupMs = await n8n.start();

		const done = await waitUntil(async () => {
			const ok = (await n8n.executions({ workflowId: id, withData: true })).filter((e) => e.status === 'success');
			return ok.length >= 2 ? ok : null;
		}, { timeoutMs: 30000, what: 'two successful scheduled executions' });
		assert.deepEqual(nodeOutput(done[0], 'Compute')[0].answer, 42);

		assert.deepEqual(described.broken, [], 'every node and credential the package declares must load');
		const cookie = await ownerLogin(n8n);
		const types = await editorNodeTypes(n8n, cookie);
		const ours = types.filter((t) => t.startsWith(`${PACKAGE_NAME}.`));
		const expected = described.nodes.map((node) => `${PACKAGE_NAME}.${node.type}`);
		for (const type of expected) assert.ok(ours.includes(type), `editor does not offer ${type}`);
		return { startupMs, executions: done.length, packageNodeTypes: [...new Set(ours)] };
	},
};
