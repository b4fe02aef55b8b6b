/** Session → Sign In: the code (and the 2FA password) of a Send Code login → the session string. */
import { getLoginManager } from '../../../../src/telegram/login';
import { optionalText, sessionOperation } from './loginSteps';

export const signIn = sessionOperation(async function (itemIndex) {
	const result = await getLoginManager().signIn({
		loginId: String(this.getNodeParameter('loginId', itemIndex, '') ?? ''),
		code: String(this.getNodeParameter('code', itemIndex, '') ?? ''),
		password: optionalText(this, 'password', itemIndex),
	});
	return { json: { ...result } };
});
