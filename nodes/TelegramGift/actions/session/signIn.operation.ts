/** Session → Sign In: the code (and the 2FA password) of a Send Code login → the session string. */
import { optionalText, sessionOperation } from './loginSteps';

export const signIn = sessionOperation(async function (itemIndex, logins) {
	const result = await logins.signIn({
		loginId: String(this.getNodeParameter('loginId', itemIndex, '') ?? ''),
		code: String(this.getNodeParameter('code', itemIndex, '') ?? ''),
		password: optionalText(this, 'password', itemIndex),
	});
	return { json: { ...result } };
});
