'use strict';
// Adapts the shipped workflow templates to a sandbox scenario: templates carry no instance data
// (no credential ids, no chat ids), so the e2e cases and the demo fill in the sandbox's channels
// as recipients and its accounts' chats as report targets.

/**
 * Returns copies of the workflows ready for the scenario. Until the templates exist this only
 * copies them; parameter names are filled in from nodes/* once the nodes land.
 */
function adaptForSandbox(workflows, scenario) {
	void scenario;
	return workflows.map((wf) => JSON.parse(JSON.stringify(wf)));
}

module.exports = { adaptForSandbox };
