/**
 * n8n-core's dependency-injection container. n8n-core pins its own @n8n/di (a different copy from
 * the one at the top of node_modules), and services are singletons per copy: resolve the one
 * n8n-core itself uses.
 */
interface Container {
	get<T>(type: abstract new (...args: never[]) => T): T;
}

export function n8nContainer(): Container {
	const diPath = require.resolve('@n8n/di', { paths: [require.resolve('n8n-core')] });
	// eslint-disable-next-line @typescript-eslint/no-require-imports -- the copy n8n-core uses
	return (require(diPath) as { Container: Container }).Container;
}
