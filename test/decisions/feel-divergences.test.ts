/**
 * FEEL semantics where feelin 8.2.0 diverges from the DMN specification,
 * fixed by the patch applied at install (scripts/patch-feelin.mjs): one case
 * per divergence, named after the DMN TCK test that found it. A failure here
 * after a feelin upgrade means the patch was skipped (see its warning at
 * `npm install`) and must be reviewed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { feelValue, toPlain } from '../../src/decisions/feel.js';

/** [TCK test, FEEL expression, expected value as plain JSON (null: the spec's error result)]. */
const CASES: ReadonlyArray<readonly [string, string, unknown]> = [
  // duration arithmetic
  ['0100 multiply_lhs_number_by_rhs_dtDuration', '2 * @"PT1H"', 'PT2H'],
  ['0100 divide_lhs_ymDuration_by_rhs_ymDuration_001', '@"P10Y" / @"P5Y"', 2],
  ['0100 divide_lhs_dtDuration_by_rhs_dtDuration_001', '@"P10D" / @"P5D"', 2],
  // temporal arithmetic
  ['0100 add_lhs_date_to_rhs_dtDuration_002', '@"2021-01-01" + @"PT36H"', '2021-01-02'],
  ['0100 subtract_lhs_date_minus_rhs_dtDuration_002', '@"2021-01-02" - @"PT1H"', '2021-01-01'],
  ['0100 add_lhs_dateAndTime_to_rhs_ymDuration_010', 'string(@"-2021-01-01T10:10:10+11:00" + @"P1M")', '-2021-02-01T10:10:10+11:00'],
  ['0100 add_lhs_dateAndTime_to_rhs_dtDuration_021', 'string(@"-2021-01-01T10:10:10@Australia/Melbourne" + @"-P1D")', '-2022-12-31T10:10:10@Australia/Melbourne'],
  ['0100 add_lhs_dateAndTime_to_rhs_dtDuration_009', '@"2021-01-01T24:00:00" + @"PT1S"', '2021-01-02T00:00:01'],
  ['0100 subtract_lhs_dateAndTime_minus_rhs_dateAndTime_002', '@"2021-01-02T10:10:10@Europe/Paris" - @"2021-01-01T10:10:10"', null],
  ['0100 subtract_lhs_dateAndTime_minus_rhs_dateAndTime_007', '@"2021-01-02T10:10:10@Europe/Paris" - @"2021-01-01T10:10:10@Asia/Dhaka"', 'P1DT5H'],
  ['0100 subtract_lhs_dateAndTime_minus_rhs_date_002', '@"2021-01-02T10:10:10@Europe/Paris" - @"2021-01-01"', 'P1DT9H10M10S'],
  ['0100 subtract_lhs_date_minus_rhs_dateAndTime_002', '@"2021-01-02" - @"2021-01-01T10:10:10+11:00"', 'P1DT49M50S'],
  ['0100 error_when_add_lhs_time_to_rhs_ymDuration', '@"10:10:10" + @"P1Y"', null],
  ['0100 error_when_subtract_lhs_time_minus_rhs_date', '@"10:10:10" - @"2021-01-01"', null],
  // years and months duration
  ['1121 feel-years-and-months-duration-function_ErrorCase', 'years and months duration(date("2011-12-22"), date("2013-08-24"))', 'P1Y8M'],
  ['1121 date and time arguments', 'years and months duration(date and time("2014-12-31T23:59:59"), date and time("2016-12-31T00:00:01"))', 'P2Y'],
];

for (const [name, expression, expected] of CASES) {
  test(`${name}: ${expression}`, () => {
    assert.equal(toPlain(feelValue(expression, {}, name)), expected);
  });
}

test.run();
