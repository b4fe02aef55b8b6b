'use strict';
// Loading workflow JSON (files or a folder) for import, and small edits cases make to templates.

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

/** Reads one workflow file, or every *.json in a folder; gives each a stable id (≤ 16 chars) if it has none. */
function loadWorkflows(fileOrDir) {
	const files = fs.statSync(fileOrDir).isDirectory()
		? fs.readdirSync(fileOrDir).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(fileOrDir, f))
		: [fileOrDir];
	return files.map((file) => {
		let wf;
		try {
			wf = JSON.parse(fs.readFileSync(file, 'utf8'));
		} catch (err) {
			throw new Error(`${file}: not a workflow JSON (${err.message})`);
		}
		if (!Array.isArray(wf.nodes) || typeof wf.connections !== 'object') throw new Error(`${file}: not a workflow (needs nodes and connections)`);
		if (!wf.id) wf.id = `wf${crypto.createHash('sha1').update(wf.name || file).digest('hex').slice(0, 14)}`;
		if (!wf.name) wf.name = path.basename(file, '.json');
		return wf;
	});
}

const NOT_ACTIVATING = new Set(['n8n-nodes-base.manualTrigger', 'n8n-nodes-base.executeWorkflowTrigger', 'n8n-nodes-base.errorTrigger']);

/** Whether a workflow has a trigger that activation starts (manual-only workflows cannot be active). */
function isActivatable(wf) {
	return wf.nodes.some((n) => !n.disabled && !NOT_ACTIVATING.has(n.type) &&
		(/Trigger$/.test(n.type) || n.type === 'n8n-nodes-base.webhook'));
}

/** The node called `name`, or an error naming the workflow. */
function nodeNamed(wf, name) {
	const node = wf.nodes.find((n) => n.name === name);
	if (!node) throw new Error(`workflow "${wf.name}" has no node "${name}" (nodes: ${wf.nodes.map((n) => n.name).join(', ')})`);
	return node;
}

/** Nodes of a given type (full type name). */
function nodesOfType(wf, type) {
	return wf.nodes.filter((n) => n.type === type);
}

/**
 * Ids of the templates whose trigger follows an auction or resale listings (Watch other than
 * Gifts): a drop scenario (the demo's) has neither, so they are imported to be shown, not activated.
 */
function followingAuctionsOrResale(workflows) {
	return workflows
		.filter((wf) => wf.nodes.some((n) => /telegramGiftTrigger$/.test(n.type) && (n.parameters?.watch ?? 'gifts') !== 'gifts'))
		.map((wf) => wf.id);
}

module.exports = { loadWorkflows, isActivatable, nodeNamed, nodesOfType, followingAuctionsOrResale };
