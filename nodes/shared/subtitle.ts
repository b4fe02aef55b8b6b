/**
 * Canvas subtitles a person can read ("Buy a gift", "Send a purchase report") instead of raw
 * parameter values ("buy: gift", "sendReport"). Built from the node's own operation options, so
 * a resource or operation added to a node's descriptions gets its subtitle without touching this.
 */
import type { INodeProperties } from 'n8n-workflow';

/** `resource:operation` (or `operation` when the node has no resource) → the option's action text. */
export function operationActions(properties: readonly INodeProperties[]): Record<string, string> {
	const actions: Record<string, string> = {};
	for (const property of properties) {
		if (property.name !== 'operation' || property.type !== 'options') continue;
		const resources = (property.displayOptions?.show?.resource as string[] | undefined) ?? [''];
		for (const option of property.options ?? []) {
			if (!('value' in option) || typeof option.value !== 'string') continue;
			const text = 'action' in option && typeof option.action === 'string' ? option.action : String(option.name);
			for (const resource of resources) actions[resource === '' ? option.value : `${resource}:${option.value}`] = text;
		}
	}
	return actions;
}

/** The subtitle expression: the action text of the chosen operation, or the operation's value. */
export function operationSubtitle(properties: readonly INodeProperties[], withResource: boolean): string {
	const key = withResource ? '$parameter["resource"] + ":" + $parameter["operation"]' : '$parameter["operation"]';
	return `={{ ${JSON.stringify(operationActions(properties))}[${key}] || $parameter["operation"] }}`;
}
