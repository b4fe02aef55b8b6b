/**
 * The account credential's test (n8n's "Test" button): connect every session, ask who it is, and
 * answer "OK: 3 accounts (alice, bob, carol)" or name the label that failed. Never a secret.
 */
import type { ICredentialTestFunctions, ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';

import { parseAccountCredential, profileSecrets } from './accountCredential';
import { errorMessage } from './errors';

export async function testAccountCredential(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	let secrets: string[] = [];
	try {
		const profile = parseAccountCredential(credential.data ?? {});
		secrets = profileSecrets(profile);
		// Loaded here so the nodes do not pull in the MTProto library until it is needed.
		const { openAccountsFromProfile } = await import('./openAccounts');
		const accounts = openAccountsFromProfile(profile);
		try {
			const identities = await accounts.whoAmIAll();
			const names = identities.map((me) => (me.username && me.label.startsWith('account ') ? `@${me.username}` : me.label));
			const noun = identities.length === 1 ? 'account' : 'accounts';
			return { status: 'OK', message: `OK: ${identities.length} ${noun} (${names.join(', ')})` };
		} finally {
			await accounts.release();
		}
	} catch (error) {
		return { status: 'Error', message: errorMessage(error, secrets) };
	}
}
