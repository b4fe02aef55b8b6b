/**
 * The one place that imports the MTProto client library (teleproto, a gramjs fork at layer 214;
 * see docs/decisions.md). Everything else — the account layer and the sandbox, which reuses the
 * library's own TL classes to speak to an unmodified client — imports from here, so switching
 * library is a change to this file alone.
 */
export { Api, TelegramClient, Logger, errors } from 'teleproto';
export { StringSession } from 'teleproto/sessions';
