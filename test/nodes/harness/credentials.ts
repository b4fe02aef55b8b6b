/**
 * Credentials for the engine: n8n's ICredentialsHelper contract, holding plain decrypted data per
 * credential type (what n8n hands a node after decrypting) with the credential type's defaults
 * applied the way n8n applies them. Credential tests are found and run like n8n's credential
 * tester does: through the node that declares `testedBy`, with n8n-core's CredentialTestContext.
 */
import { CredentialTestContext, Credentials } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunction,
	ICredentials,
	IHttpRequestOptions,
	INodeCredentialTestResult,
	INodeCredentialsDetails,
	INodeProperties,
	INodeType,
} from 'n8n-workflow';
import { ICredentialsHelper, NodeHelpers } from 'n8n-workflow';

import type { SandboxCredentials } from '../../../src/sandbox';
import type { PackageNodeTypes } from './nodeTypes';

export class TestCredentialsHelper extends ICredentialsHelper {
	private data: Record<string, ICredentialDataDecryptedObject> = {};
	/** Credentials a node names by id (a second credential of the same type), over `data`. */
	private byId: Record<string, ICredentialDataDecryptedObject> = {};

	constructor(private readonly types: PackageNodeTypes) {
		super();
	}

	set(type: string, data: ICredentialDataDecryptedObject): void {
		this.data[type] = data;
	}

	/** The stored (not defaulted) data of a type, as a user saved it. */
	get(type: string): ICredentialDataDecryptedObject {
		const data = this.data[type];
		if (!data) throw new Error(`No test credential of type ${type}`);
		return { ...data };
	}

	/** A credential nodes refer to by `id` (their `credentials[type].id`), e.g. a second account credential. */
	setById(id: string, data: ICredentialDataDecryptedObject): void {
		this.byId[id] = data;
	}

	clear(): void {
		this.data = {};
		this.byId = {};
	}

	/**
	 * Only the sandbox's two package credentials: its accounts (the Accounts list, label + session;
	 * by default every account, labelled in lower case) and its bot when it has one.
	 */
	useSandbox(c: SandboxCredentials, accounts = c.accounts.map((a) => ({ label: a.label.toLowerCase(), session: a.session }))): void {
		this.clear();
		this.set('telegramGiftsAccountApi', {
			apiId: c.apiId,
			apiHash: c.apiHash,
			server: 'custom',
			host: c.server.host,
			port: c.server.port,
			accounts: { account: accounts.map((a) => ({ label: a.label, session: a.session })) },
		});
		if (c.bot) this.set('telegramGiftsBotApi', { token: c.bot.token, baseUrl: c.bot.apiRoot });
	}

	withDefaults(type: string, data: ICredentialDataDecryptedObject): ICredentialDataDecryptedObject {
		const properties = this.getCredentialsProperties(type);
		return (NodeHelpers.getNodeParameters(properties, data as never, true, false, null, null) ?? {}) as ICredentialDataDecryptedObject;
	}

	getParentTypes(): string[] {
		return [];
	}

	async authenticate(): Promise<IHttpRequestOptions> {
		throw new Error('This package does not use HTTP authentication');
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(details: INodeCredentialsDetails, type: string): Promise<ICredentials> {
		return new Credentials({ id: details.id, name: details.name }, type, '');
	}

	async getDecrypted(_additionalData: unknown, details: INodeCredentialsDetails, type: string): Promise<ICredentialDataDecryptedObject> {
		const data = (details.id !== null ? this.byId[details.id] : undefined) ?? this.data[type];
		if (!data) throw new Error(`No test credential of type ${type}`);
		return this.withDefaults(type, data);
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(type: string): INodeProperties[] {
		const credential = this.types.credentials.get(type);
		if (!credential) throw new Error(`Unknown credential type ${type}`);
		return credential.properties;
	}

	/** The credential test n8n's editor runs on "Save"/"Retry". */
	async test(type: string, data: ICredentialDataDecryptedObject): Promise<INodeCredentialTestResult> {
		const fn = this.findTestFunction(type);
		return await fn.call(new CredentialTestContext(), {
			id: 'test',
			name: `${type} (test)`,
			type,
			data: this.withDefaults(type, data),
		});
	}

	private findTestFunction(type: string): ICredentialTestFunction {
		for (const node of this.types.nodes.values()) {
			const declared = (node as INodeType).description.credentials?.find((c) => c.name === type && c.testedBy);
			if (!declared || typeof declared.testedBy !== 'string') continue;
			const fn = (node as INodeType).methods?.credentialTest?.[declared.testedBy];
			if (fn) return fn;
		}
		throw new Error(`No node tests credential type ${type}`);
	}
}
