export function shout(text) {
	return `${text.toUpperCase()}!`;
}

export const punctuation = "!";
