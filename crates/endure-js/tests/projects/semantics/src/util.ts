export function describeError(e: unknown): { name: string; message: string } {
  const err = e as Error;
  return { name: err.name, message: err.message };
}
