export const label = "clock";

export function now() {
	return Date.now();
}
