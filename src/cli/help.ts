/**
 * The CLI's help texts, in one light module: `--help` never loads a command (the MTProto
 * library stays unloaded). Each command prints its own text for `--help` and with usage errors.
 */

const BIN = 'n8n-nodes-telegram-gifts';

export const PLAN_HELP = `usage: ${BIN} plan --input FILE [--seed N]

Plans purchases without buying anything (a dry run). FILE is JSON with the new gifts, the
accounts with their star balances, the recipients with their price and supply ranges, and
options (see examples/plan-input.json and docs/planner.md). Prints the plan as JSON: the
purchase operations (account, recipient, gift, price, copies) and the skipped gifts with a
reason code each.

options:
  --input FILE   the plan input (required)
  --seed N       the seed of the tie-break among equal gifts (replaces options.seed)
  -h, --help     show this help

exit codes: 0 planned, 1 bad input (the message names the field), 2 usage error

example:
  ${BIN} plan --input examples/plan-input.json > plan.json
`;

export const REPORT_HELP = `usage: ${BIN} report --plan FILE [--results FILE] [--lang en|ru] [--json]

Prints the autobuy report of a plan (the output of \`plan\`) and the buy results (the Telegram
Gift node's Buy output, or a list of {opKey, status, reason, quantityBought}): summary, per
gift, per recipient, per account. Without --results nothing was bought yet, and every planned
purchase is reported as "not executed".

options:
  --plan FILE      the plan (required)
  --results FILE   the buy results
  --lang en|ru     the report's language (default en)
  --json           print the totals as JSON instead of the text
  -h, --help       show this help

exit codes: 0 printed, 1 bad input (the message names the field), 2 usage error

example:
  ${BIN} report --plan plan.json --results examples/results.json --lang ru
`;

export const SANDBOX_HELP = `usage: ${BIN} sandbox --scenario FILE [--record OUT] [--port N] [--clock first-read|now]

Starts the sandbox: a simulated Telegram gift market on this machine that speaks real MTProto
(and a fake Bot API when the scenario has "bot"), playing the scenario in FILE (see
examples/scenarios/ and docs/sandbox.md). Prints one JSON line on stdout with what n8n's
credentials need (api_id, api_hash, server, each account's session, the bot token); these are
fake and local. Says on stderr what it does: listening, the scenario clock, drops, sell-outs,
purchases. Stops on Ctrl-C or after the scenario's durationMs, then writes the record.

The scenario clock (every releaseAtMs, demand and disconnect counts from it) starts at the
first catalog read, i.e. when your Gift Trigger takes its baseline (--clock first-read, the
default), or at once (--clock now). A drop that happens before anything read the catalog is
reported as an error: nothing was watching it.

options:
  --scenario FILE              the scenario (required)
  --record OUT                 write the record (purchases, balances, bot messages) to OUT
  --port N                     the MTProto port (default: a free one ≤ 32767)
  --clock first-read|now       when the scenario clock starts (default first-read)
  -h, --help                   show this help

example:
  ${BIN} sandbox --scenario examples/scenarios/simple-drop.json --record record.json
`;

export const LOGIN_HELP = `usage: ${BIN} login [--qr] [--server production|test|HOST:PORT] [--out FILE]

Logs a Telegram user account in and prints its session string once (stdout), or writes it to
FILE with mode 0600 (--out; then nothing is printed). The session string is a password: anyone
who has it controls the account. Asks for api_id / api_hash from my.telegram.org (or reads the
env vars TELEGRAM_API_ID / TELEGRAM_API_HASH), the phone number, the code Telegram sends and the
two-step verification password if there is one; --qr shows a QR code to scan in Telegram →
Settings → Devices → Link Desktop Device instead. For the sandbox set TELEGRAM_LOGIN_SESSION to
the login_session it prints.

options:
  --qr                                   log in by scanning a QR code
  --server production|test|HOST:PORT     where to log in (default production)
  --out FILE                             write the session to FILE (mode 0600)
  -h, --help                             show this help

example:
  ${BIN} login --qr --out my.session
`;

const COMMAND_HELP: Record<string, string> = { plan: PLAN_HELP, report: REPORT_HELP, sandbox: SANDBOX_HELP, login: LOGIN_HELP };

export const HELP = `usage: ${BIN} <command> [options]

Telegram Star Gifts from the command line: plan a drop without buying, print the autobuy
report, run the sandbox to rehearse with n8n, log an account in to get its session string.

commands:
  plan      plan purchases from gifts, balances and recipient filters (a dry run)
  report    print the autobuy report of a plan and its buy results
  sandbox   run the simulated Telegram gift market (real MTProto on this machine)
  login     log a Telegram account in and print its session string

${BIN} <command> --help, or ${BIN} help <command>, shows a command's options.
`;

/** The help of one command, or undefined for an unknown name. */
export function commandHelp(name: string): string | undefined {
	return Object.prototype.hasOwnProperty.call(COMMAND_HELP, name) ? COMMAND_HELP[name] : undefined;
}
