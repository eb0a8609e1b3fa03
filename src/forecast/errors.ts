import { InvalidInputError } from '../core/errors.js';

/**
 * Input a model cannot be fitted on (survivors that grow, an empty cohort, too few periods, a negative
 * spend). `field` names the value at fault, e.g. "survivors[3]" or "customers[12].tx", so a caller that
 * took the values from flags or rows can say where they came from.
 */
export class ForecastInputError extends InvalidInputError {
  constructor(
    readonly field: string,
    message: string,
    hint?: string,
  ) {
    super(message, hint);
  }
}
