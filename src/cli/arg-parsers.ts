import { InvalidArgumentError } from 'commander';

/** A commander parser for a whole-number flag, refusing values below `min` with the flag's name. */
export function wholeNumber(flag: string, min = Number.MIN_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`${flag} takes a whole number${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ''}; got "${value}"`);
    }
    return n;
  };
}
