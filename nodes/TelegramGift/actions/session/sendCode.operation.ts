/** Session → Send Code: Telegram sends a login code to the account (usually to its Telegram app). */
import { loginStartOf, sessionOperation } from './loginSteps';

export const sendCode = sessionOperation(async function (itemIndex, logins) {
	const phone = String(this.getNodeParameter('phone', itemIndex, '') ?? '');
	const sent = await logins.sendCode({ ...loginStartOf.call(this, itemIndex), phone });
	return { json: { ...sent } };
});
