/**
 * A pending login between its steps, so that a step can run on another process than the one
 * before it (n8n queue mode sends each execution to any worker) or after a restart.
 *
 * What has to survive is what Telegram ties the login to: the auth key the login started on
 * (phone_code_hash, the QR token and the 2FA check are bound to it, so a fresh key gets
 * PHONE_CODE_EXPIRED), its data center, and the step reached. tdlib keeps the same state in its
 * database for the same reason (AuthManager::DbState: wait code / QR confirmation / password).
 *
 * The state holds secrets (that auth key, which the login turns into a signed-in session, and the
 * api_hash), so the store only ever sees it sealed: AES-256-GCM under a key derived (HKDF-SHA256)
 * from the login id, in a row named by a hash of the login id. The login id is 128 random bits
 * that only the caller holds (the output of the first step); the store alone opens nothing.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

import type { GiftStore, LoginClaim, SealedLogin } from '../store/types';
import type { TelegramServer } from './connection';

/** The part of the store that keeps pending logins (GiftStore has it; MemoryLoginVault for one process). */
export type PendingLoginVault = Pick<GiftStore, 'createPendingLogin' | 'claimPendingLogin' | 'savePendingLogin' | 'deletePendingLogin'>;

export interface PendingLoginState {
	kind: 'code' | 'qr';
	stage: 'code' | 'qr' | 'password';
	apiId: number;
	apiHash: string;
	server: TelegramServer;
	/** The login's auth key and data center, as a session string (not signed in until the login ends). */
	session: string;
	phone?: string;
	phoneCodeHash?: string;
	/** The QR token shown last (base64url) and when it runs out. */
	qrToken?: string;
	qrExpiresAtMs?: number;
}

const FORMAT = 1;
const SALT = Buffer.from('n8n-nodes-telegram-gifts pending login', 'utf8');
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The row name of a login: a hash, so the store never holds the login id itself. */
export function pendingLoginKey(loginId: string): string {
	return createHash('sha256').update('n8n-nodes-telegram-gifts pending login key\0').update(loginId, 'utf8').digest('hex');
}

function sealingKey(loginId: string): Buffer {
	return Buffer.from(hkdfSync('sha256', Buffer.from(loginId, 'utf8'), SALT, 'seal', 32));
}

export function sealPendingLogin(loginId: string, state: PendingLoginState): Buffer {
	const iv = randomBytes(IV_BYTES);
	const cipher = createCipheriv('aes-256-gcm', sealingKey(loginId), iv);
	const body = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
	return Buffer.concat([Buffer.from([FORMAT]), iv, cipher.getAuthTag(), body]);
}

/** The state, or undefined when `sealed` was not sealed for this login id (or was altered). */
export function openPendingLogin(loginId: string, sealed: Buffer): PendingLoginState | undefined {
	if (sealed.length <= 1 + IV_BYTES + TAG_BYTES || sealed[0] !== FORMAT) return undefined;
	const iv = sealed.subarray(1, 1 + IV_BYTES);
	const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
	try {
		const decipher = createDecipheriv('aes-256-gcm', sealingKey(loginId), iv);
		decipher.setAuthTag(tag);
		const text = Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
		return JSON.parse(text) as PendingLoginState;
	} catch {
		return undefined;
	}
}

interface MemoryRow extends SealedLogin {
	claimedBy: string | null;
	claimedUntilMs: number;
}

/** Pending logins of one process (the CLI, tests): the store's semantics, in memory. */
export class MemoryLoginVault implements PendingLoginVault {
	private readonly rows = new Map<string, MemoryRow>();

	createPendingLogin(key: string, sealed: Buffer, expiresAtMs: number, nowMs: number): Promise<void> {
		for (const [k, row] of this.rows) if (row.expiresAtMs <= nowMs) this.rows.delete(k);
		if (this.rows.has(key)) return Promise.reject(new Error('A pending login with this key exists'));
		this.rows.set(key, { sealed, expiresAtMs, claimedBy: null, claimedUntilMs: 0 });
		return Promise.resolve();
	}

	claimPendingLogin(key: string, claimant: string, untilMs: number, nowMs: number): Promise<LoginClaim> {
		const row = this.rows.get(key);
		if (!row || row.expiresAtMs <= nowMs) return Promise.resolve({ missing: true });
		if (row.claimedBy !== null && row.claimedUntilMs > nowMs && row.claimedBy !== claimant) return Promise.resolve({ busy: true });
		row.claimedBy = claimant;
		row.claimedUntilMs = untilMs;
		return Promise.resolve({ claimed: { sealed: row.sealed, expiresAtMs: row.expiresAtMs } });
	}

	savePendingLogin(key: string, claimant: string, sealed: Buffer, expiresAtMs: number): Promise<boolean> {
		const row = this.rows.get(key);
		if (!row || row.claimedBy !== claimant) return Promise.resolve(false);
		this.rows.set(key, { sealed, expiresAtMs, claimedBy: null, claimedUntilMs: 0 });
		return Promise.resolve(true);
	}

	deletePendingLogin(key: string): Promise<void> {
		this.rows.delete(key);
		return Promise.resolve();
	}
}
