/** Session → QR Complete: waits for the scan of a QR Start login, then the session string (or 2FA). */
import { parameterError } from '../../../shared/errors';
import { optionalText, sessionOperation } from './loginSteps';

const MAX_WAIT_SECONDS = 120;

export const qrComplete = sessionOperation(async function (itemIndex, logins) {
	const waitSeconds = Number(this.getNodeParameter('waitSeconds', itemIndex, 60));
	if (!Number.isFinite(waitSeconds) || waitSeconds < 0 || waitSeconds > MAX_WAIT_SECONDS) {
		throw parameterError(this.getNode(), 'Wait (Seconds)', `must be a number from 0 to ${MAX_WAIT_SECONDS}`, itemIndex);
	}
	const result = await logins.qrComplete({
		loginId: String(this.getNodeParameter('loginId', itemIndex, '') ?? ''),
		password: optionalText(this, 'password', itemIndex),
		waitMs: waitSeconds * 1000,
	});
	return { json: { ...result } };
});
