/**
 * What the Session operations share: the per-item loop (one failing item never stops the others;
 * Continue On Fail puts the message in `json.error`), reading the connection parameters of a
 * first step, and turning LoginErrors into NodeOperationErrors that name the parameter.
 *
 * These operations use no credential: api_id / api_hash come from their parameters, because the
 * session string they produce is what a credential is made of.
 */
import type { IExecuteFunctions, INode, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { getStore } from '../../../../src/store';
import { LoginError, LoginManager, parseServerSpec, type LoginErrorCode, type LoginStart } from '../../../../src/telegram/login';
import { nodeError, parameterError, redact } from '../../../shared/errors';
import { sessionProperties } from './session.description';

/** One login step for one input item; its output item gets `pairedItem` added. */
export type SessionStep = (this: IExecuteFunctions, itemIndex: number, logins: LoginManager) => Promise<INodeExecutionData>;

export type SessionOperation = (this: IExecuteFunctions) => Promise<INodeExecutionData[]>;

export function sessionOperation(step: SessionStep): SessionOperation {
	return async function (this: IExecuteFunctions): Promise<INodeExecutionData[]> {
		const items = this.getInputData();
		const out: INodeExecutionData[] = [];
		// Pending logins live in the package's store, so the next step may run in another
		// execution, on another worker (queue mode), or after a restart.
		const store = await getStore();
		try {
			const logins = new LoginManager({ vault: store });
			for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
				try {
					out.push({ ...(await step.call(this, itemIndex, logins)), pairedItem: { item: itemIndex } });
				} catch (error) {
					const wrapped = loginNodeError(this.getNode(), error, itemIndex, itemSecrets(this, itemIndex));
					if (!this.continueOnFail()) throw wrapped;
					out.push({ json: { error: wrapped.message }, pairedItem: { item: itemIndex } });
				}
			}
		} finally {
			await store.close();
		}
		return out;
	};
}

/** api_id, api_hash, server and the sandbox start session of Send Code / QR Start. */
export function loginStartOf(this: IExecuteFunctions, itemIndex: number): LoginStart {
	const startSession = String(this.getNodeParameter('startSession', itemIndex, '') ?? '').trim();
	return {
		// A form field may deliver the number as text; LoginManager rejects anything not a positive integer.
		apiId: Number(this.getNodeParameter('apiId', itemIndex, 0)),
		apiHash: String(this.getNodeParameter('apiHash', itemIndex, '') ?? ''),
		server: parseServerSpec(this.getNodeParameter('server', itemIndex, 'production')),
		startSession: startSession || undefined,
	};
}

/** Optional text parameter: empty means "not given". */
export function optionalText(context: IExecuteFunctions, name: string, itemIndex: number): string | undefined {
	const value = String(context.getNodeParameter(name, itemIndex, '') ?? '');
	return value === '' ? undefined : value;
}

/** The parameter a login failure is about, when LoginManager did not name one itself. */
const FIELD_OF_CODE: Partial<Record<LoginErrorCode, string>> = {
	phone_invalid: 'phone',
	sign_up_required: 'phone',
	api_invalid: 'apiHash',
	code_invalid: 'code',
	code_expired: 'code',
	password_invalid: 'password',
	qr_expired: 'loginId',
	login_busy: 'loginId',
	network: 'server',
};

function displayNameOf(parameter: string): string {
	if (parameter === 'apiHash') return 'API ID / API Hash';
	return sessionProperties.find((p) => p.name === parameter)?.displayName ?? parameter;
}

function loginNodeError(node: INode, error: unknown, itemIndex: number, secrets: string[]): NodeOperationError {
	if (!(error instanceof LoginError)) return nodeError(node, error, { secrets, itemIndex });
	const field = error.details.field ?? FIELD_OF_CODE[error.code];
	if (field === undefined) return nodeError(node, error, { secrets, itemIndex });
	return parameterError(node, displayNameOf(field), redact(error.message, secrets), itemIndex);
}

/** The item's secret parameter values, removed from any error text (LoginErrors hold none; others might). */
function itemSecrets(context: IExecuteFunctions, itemIndex: number): string[] {
	const secrets: string[] = [];
	for (const name of ['apiHash', 'startSession', 'password', 'code']) {
		try {
			const value = context.getNodeParameter(name, itemIndex, '');
			if (typeof value === 'string' && value !== '') secrets.push(value);
		} catch {
			// A parameter whose expression fails holds nothing to hide.
		}
	}
	return secrets;
}
