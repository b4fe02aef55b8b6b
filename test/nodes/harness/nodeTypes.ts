/**
 * The package's node and credential types as n8n sees them: loaded from the package.json `n8n`
 * block (dist paths mapped back to the TypeScript sources), keyed `n8n-nodes-telegram-gifts.<name>`
 * exactly like n8n loads an installed community package.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { ICredentialType, INodeType, INodeTypes, IVersionedNodeType } from 'n8n-workflow';

export const PACKAGE_ROOT = resolve(__dirname, '..', '..', '..');
export const PACKAGE_NAME = 'n8n-nodes-telegram-gifts';

interface PackageN8nBlock {
	nodes: string[];
	credentials: string[];
}

function sourceOf(distPath: string): string {
	return join(PACKAGE_ROOT, distPath.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
}

function loadClassInstance<T>(distPath: string): T {
	// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by path, as n8n does
	const exported = require(sourceOf(distPath)) as Record<string, new () => T>;
	const className = distPath.split('/').pop()!.split('.')[0];
	const cls = exported[className];
	if (typeof cls !== 'function') throw new Error(`${distPath} does not export class ${className}`);
	return new cls();
}

export function readN8nBlock(): PackageN8nBlock {
	const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { n8n: PackageN8nBlock };
	return pkg.n8n;
}

/** n8n's naming: the class TelegramGiftPlan is the type telegramGiftPlan. */
function typeNameOf(distPath: string): string {
	const className = distPath.split('/').pop()!.split('.')[0]!;
	return className[0]!.toLowerCase() + className.slice(1);
}

/** Loads each node or credential class on first use, like n8n's lazy package loader. */
class LazyRegistry<T> {
	private readonly loaded = new Map<string, T>();
	private readonly paths = new Map<string, string>();

	constructor(paths: string[], extra: Record<string, T> = {}) {
		for (const path of paths) this.paths.set(typeNameOf(path), path);
		for (const [name, value] of Object.entries(extra)) this.loaded.set(name, value);
	}

	get(name: string): T | undefined {
		let value = this.loaded.get(name);
		const path = this.paths.get(name);
		if (value === undefined && path !== undefined) {
			value = loadClassInstance<T>(path);
			this.loaded.set(name, value);
		}
		return value;
	}

	names(): string[] {
		return [...new Set([...this.paths.keys(), ...this.loaded.keys()])];
	}

	*values(): Iterable<T> {
		for (const name of this.names()) yield this.get(name)!;
	}
}

export class PackageNodeTypes implements INodeTypes {
	readonly nodes: LazyRegistry<INodeType>;
	readonly credentials: LazyRegistry<ICredentialType>;

	constructor() {
		const block = readN8nBlock();
		this.nodes = new LazyRegistry<INodeType>(block.nodes);
		this.credentials = new LazyRegistry<ICredentialType>(block.credentials);
	}

	private node(nodeType: string): INodeType {
		const prefix = `${PACKAGE_NAME}.`;
		const short = nodeType.startsWith(prefix) ? nodeType.slice(prefix.length) : undefined;
		const node = short === undefined ? undefined : (this.nodes.get(short) ?? this.toolVariant(short));
		if (!node) throw new Error(`Unknown node type ${nodeType}`);
		return node;
	}

	private readonly tools = new Map<string, INodeType>();

	/**
	 * The `<type>Tool` variant n8n makes of a `usableAsTool` node for AI agents (same execute, the
	 * description's name ending in "Tool", which `@tool` display options and the node's own checks
	 * read). It keeps the main connections, so the engine runs it directly, as an agent's call would.
	 */
	private toolVariant(name: string): INodeType | undefined {
		if (!name.endsWith('Tool')) return undefined;
		const base = this.nodes.get(name.slice(0, -'Tool'.length));
		if (!base?.description.usableAsTool) return undefined;
		let tool = this.tools.get(name);
		if (!tool) {
			tool = Object.create(base, {
				description: { value: { ...base.description, name, displayName: `${base.description.displayName} Tool`, usableAsTool: undefined } },
			}) as INodeType;
			this.tools.set(name, tool);
		}
		return tool;
	}

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		return this.node(nodeType);
	}

	getByNameAndVersion(nodeType: string): INodeType {
		return this.node(nodeType);
	}

	getKnownTypes() {
		return {};
	}
}
