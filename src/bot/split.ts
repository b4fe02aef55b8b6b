/**
 * Splits text into Bot API messages (at most 4096 UTF-16 units each). Pure.
 * Lines stay whole where they fit: cuts happen at line breaks (the break itself is dropped);
 * a line longer than the limit is cut at its last whitespace in the window, or hard at the
 * limit, never inside a surrogate pair. Whitespace-only pieces are dropped (Telegram refuses them).
 */
export const TELEGRAM_TEXT_LIMIT = 4096;

export function splitMessage(text: string, limit: number = TELEGRAM_TEXT_LIMIT): string[] {
	if (!Number.isInteger(limit) || limit < 2) throw new RangeError('splitMessage: limit must be an integer ≥ 2');
	const chunks: string[] = [];
	let current: string | null = null;
	for (const line of text.split('\n')) {
		if (current !== null && current.length + 1 + line.length <= limit) {
			current += '\n' + line;
			continue;
		}
		if (current !== null) chunks.push(current);
		current = null;
		let rest = line;
		while (rest.length > limit) {
			const cut = cutPoint(rest, limit);
			chunks.push(rest.slice(0, cut));
			rest = rest.slice(cut);
		}
		current = rest;
	}
	if (current !== null) chunks.push(current);
	return chunks.filter((chunk) => chunk.trim() !== '');
}

function cutPoint(line: string, limit: number): number {
	const window = line.slice(0, limit);
	const space = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\t'));
	// Cut after the whitespace, unless that leaves a tiny first piece (then cut hard).
	if (space >= limit / 2) return space + 1;
	const code = line.charCodeAt(limit - 1);
	const highSurrogate = code >= 0xd800 && code <= 0xdbff;
	return highSurrogate ? limit - 1 : limit;
}
