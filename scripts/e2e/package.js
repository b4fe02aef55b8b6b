'use strict';
// Packs this package and installs the tarball into an n8n user folder the way a user would,
// so n8n loads it as `n8n-nodes-telegram-gifts.<node>` from `$N8N_USER_FOLDER/.n8n/nodes`.

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { log } = require('./util');

const REPO = path.resolve(__dirname, '..', '..');
const PACKAGE_NAME = require(path.join(REPO, 'package.json')).name;

function npm(args, cwd, env = process.env) {
	const res = spawnSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
	if (res.error) throw res.error;
	if (res.status !== 0) {
		throw new Error(`npm ${args[0]} in ${cwd} failed (exit ${res.status}):\n${res.stderr.trim().split('\n').slice(-15).join('\n')}`);
	}
	return res.stdout;
}

/** `npm pack` of the already built package (build is the npm script's job); returns the tarball path. */
function packPackage(outDir) {
	if (!fs.existsSync(path.join(REPO, 'dist'))) {
		throw new Error('dist/ is missing: run `npm run build` first (npm run e2e does)');
	}
	// --ignore-scripts: prepack would clean and rebuild; the tree is already built.
	const out = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', outDir, '--loglevel=error'], REPO);
	const [info] = JSON.parse(out);
	return { tarball: path.join(outDir, info.filename), files: info.entryCount, bytes: info.size };
}

function sqliteDirs(nodeModules) {
	const found = [];
	const walk = (dir, depth) => {
		if (depth > 4 || !fs.existsSync(dir)) return;
		for (const name of fs.readdirSync(dir)) {
			const sub = path.join(dir, name);
			if (name === 'sqlite3' && fs.existsSync(path.join(sub, 'package.json'))) found.push(sub);
			if (name.startsWith('@')) walk(sub, depth);
			else if (fs.existsSync(path.join(sub, 'node_modules'))) walk(path.join(sub, 'node_modules'), depth + 1);
		}
	};
	walk(nodeModules, 0);
	return found;
}

const BINDING = path.join('build', 'Release', 'node_sqlite3.node');

/**
 * Installs the tarball into `<userFolder>/.n8n/nodes` with its runtime dependencies.
 * Dependency scripts are skipped (n8n's own package installer skips them too); the sqlite3
 * native binding is then copied from the n8n cache's sqlite3, which was compiled for the very
 * Node binary that runs n8n, provided the versions match; otherwise sqlite3 is rebuilt.
 * Returns {packageDir, ms, sqlite: 'copied'|'rebuilt'|'absent'}.
 */
function installPackage(tarball, userFolder, { n8nDir, nodeBin = process.execPath, env = process.env, mode = 'npm' }) {
	const t0 = Date.now();
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(nodesDir, { recursive: true });
	fs.writeFileSync(path.join(nodesDir, 'package.json'), `${JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2)}\n`);
	if (mode === 'gui') return installLikeN8nGui(tarball, nodesDir, { nodeBin, env, t0 });
	// --legacy-peer-deps: n8n-workflow is a peer dependency that n8n itself provides (n8n puts its
	// own node_modules on NODE_PATH); installing a second copy would split its error classes.
	npm(['install', '--ignore-scripts', '--legacy-peer-deps', '--omit=dev', '--no-audit', '--no-fund',
		'--package-lock=false', '--loglevel=error', tarball], nodesDir, env);
	const packageDir = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	if (!fs.existsSync(path.join(packageDir, 'package.json'))) throw new Error(`${PACKAGE_NAME} did not install into ${nodesDir}`);

	let sqlite = 'absent';
	const source = path.join(n8nDir, 'node_modules', 'sqlite3');
	const sourceVersion = JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8')).version;
	for (const dir of sqliteDirs(path.join(nodesDir, 'node_modules'))) {
		const version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
		if (version === sourceVersion && fs.existsSync(path.join(source, BINDING))) {
			fs.mkdirSync(path.dirname(path.join(dir, BINDING)), { recursive: true });
			fs.copyFileSync(path.join(source, BINDING), path.join(dir, BINDING));
			sqlite = 'copied';
		} else {
			log(`sqlite3 ${version} differs from n8n's ${sourceVersion}: compiling it (minutes)...`);
			npm(['rebuild', 'sqlite3', '--loglevel=error'], nodesDir, env);
			sqlite = 'rebuilt';
		}
	}
	// Prove the package's runtime dependencies resolve and the native binding loads under n8n's Node.
	const probe = spawnSync(nodeBin, ['-e', `
		const p = require(${JSON.stringify(path.join(packageDir, 'package.json'))});
		for (const dep of Object.keys(p.dependencies || {})) require.resolve(dep, { paths: [${JSON.stringify(packageDir)}] });
		if (p.dependencies && p.dependencies.sqlite3) require(require.resolve('sqlite3', { paths: [${JSON.stringify(packageDir)}] }));
	`], { encoding: 'utf8', env });
	if (probe.status !== 0) throw new Error(`installed package does not load its dependencies:\n${probe.stderr.trim().split('\n').slice(0, 5).join('\n')}`);
	return { packageDir, ms: Date.now() - t0, sqlite };
}

/**
 * Installs exactly as n8n 1.x's Settings → Community Nodes installer does: extract the tarball
 * into nodes/node_modules/<name>, drop dev/peer/optional dependencies from its package.json, then
 * `npm install` inside it with dependency scripts off (so native modules get no binding).
 */
function installLikeN8nGui(tarball, nodesDir, { nodeBin, env, t0 }) {
	const packageDir = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	fs.mkdirSync(packageDir, { recursive: true });
	const tar = spawnSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);
	if (tar.status !== 0) throw new Error(`cannot extract ${tarball}`);
	const pkgFile = path.join(packageDir, 'package.json');
	const { devDependencies, peerDependencies, optionalDependencies, ...pkg } = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
	void devDependencies, void peerDependencies, void optionalDependencies;
	fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
	npm(['install', '--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true',
		'--package-lock=false', '--loglevel=error'], packageDir, env);
	const rootPkg = path.join(nodesDir, 'package.json');
	const root = JSON.parse(fs.readFileSync(rootPkg, 'utf8'));
	root.dependencies[PACKAGE_NAME] = pkg.version;
	fs.writeFileSync(rootPkg, JSON.stringify(root, null, 2));
	void nodeBin;
	return { packageDir, ms: Date.now() - t0, sqlite: 'unbuilt (as n8n installs it)' };
}

/**
 * What the installed package declares, read by loading its built classes the way n8n does
 * (n8n-workflow resolved from the n8n install): nodes [{file, type, credentials[{name, required}]}]
 * and credentials [{file, type, properties[]}]. `type` is the name n8n registers. Files that
 * do not load (a package still being written) are listed in `broken` with the error.
 */
function describePackage(packageDir, { n8nDir, nodeBin = process.execPath }) {
	const script = `
		const path = require('node:path');
		const pkg = require(path.join(${JSON.stringify(packageDir)}, 'package.json'));
		const load = (rel) => { const mod = require(path.join(${JSON.stringify(packageDir)}, rel)); return new (Object.values(mod).find((v) => typeof v === 'function'))(); };
		const broken = [];
		const nodes = (pkg.n8n?.nodes || []).flatMap((file) => {
			let inst;
			try { inst = load(file); } catch (err) { broken.push({ file, error: err.message.split('\\n')[0] }); return []; }
			const d = inst.description || inst.baseDescription || {};
			const all = inst.nodeVersions ? Object.values(inst.nodeVersions).map((v) => v.description) : [d];
			const creds = new Map();
			for (const v of all) for (const c of v.credentials || []) creds.set(c.name, { name: c.name, required: !!c.required });
			return [{ file, type: d.name, credentials: [...creds.values()] }];
		});
		const credentials = (pkg.n8n?.credentials || []).flatMap((file) => {
			let inst;
			try { inst = load(file); } catch (err) { broken.push({ file, error: err.message.split('\\n')[0] }); return []; }
			return [{ file, type: inst.name, properties: (inst.properties || []).map((p) => ({ name: p.name, type: p.type, default: p.default })) }];
		});
		process.stdout.write(JSON.stringify({ nodes, credentials, broken }));
	`;
	const n8nModules = path.join(n8nDir, 'node_modules');
	const res = spawnSync(nodeBin, ['-e', script], {
		encoding: 'utf8',
		env: { ...process.env, NODE_PATH: [n8nModules, path.join(n8nModules, 'n8n', 'node_modules')].join(path.delimiter) },
	});
	if (res.status !== 0) throw new Error(`cannot load the package's node classes:\n${res.stderr.trim().split('\n').slice(0, 8).join('\n')}`);
	return JSON.parse(res.stdout);
}

module.exports = { packPackage, installPackage, describePackage, PACKAGE_NAME, REPO };
