import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { familyOf, legendLabels, metricNames, parseLabelValues, substituteVariables } from './promql-names.ts';

describe('metricNames', () => {
  test('a bare selector and one with matchers', () => {
    assert.deepEqual(metricNames('up'), ['up']);
    assert.deepEqual(metricNames('up{job=~"vigil-.*", service="a b"}'), ['up']);
  });

  test('functions, aggregations and grouping labels are not metric names', () => {
    const expr =
      'histogram_quantile(0.99, sum by (stage, le) (rate(vigil_batch_duration_seconds_bucket{service=~".*"}[1m])))';
    assert.deepEqual(metricNames(expr), ['vigil_batch_duration_seconds_bucket']);
    assert.deepEqual(metricNames('sum(rate(a_total[5m])) by (code) / sum without (x) (b)'), ['a_total', 'b']);
  });

  test('binary operators with matching clauses, keywords and numbers', () => {
    const expr =
      'sum by (m, v) (rate(verdicts_total[1m])) / ignoring (v) group_left sum by (m) (rate(verdicts_total[1m])) > bool 0.5e-3 or vector(0) and on (job) up == 1 unless on(job, service) other offset 5m';
    assert.deepEqual(metricNames(expr), ['verdicts_total', 'up', 'other']);
  });

  test('strings never contribute names, even with braces or brackets inside', () => {
    assert.deepEqual(metricNames('x{topic=~".*shadow.*", a="{b}", c="[1m]"} * 60'), ['x']);
    assert.deepEqual(metricNames("label_replace(y, 'dst', '$1', 'src', '(.*)')"), ['y']);
  });

  test('selecting by __name__ is refused rather than misread', () => {
    assert.throws(() => metricNames('{__name__=~"vigil_.*"}'), /__name__/);
  });
});

describe('substituteVariables', () => {
  test('built-in intervals get values, dashboard variables become "All" (.*)', () => {
    assert.equal(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable syntax
      substituteVariables('rate(x{service=~"$service", model=~"${model}", a=~"[[alias]]"}[$__rate_interval])'),
      'rate(x{service=~".*", model=~".*", a=~".*"}[1m])',
    );
    assert.equal(substituteVariables('increase(x[$__range]) offset $__interval'), 'increase(x[1h]) offset 15s');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable syntax
    assert.equal(substituteVariables('x{a=~"${a:regex}"}'), 'x{a=~".*"}');
  });
});

describe('legendLabels, familyOf, parseLabelValues', () => {
  test('legend labels in order', () => {
    assert.deepEqual(legendLabels('{{stage}} ← {{ topic }}'), ['stage', 'topic']);
    assert.deepEqual(legendLabels('__auto'), []);
    assert.deepEqual(legendLabels(undefined), []);
    assert.deepEqual(legendLabels('p99'), []);
  });

  test('histogram series names map to their family', () => {
    assert.equal(familyOf('vigil_batch_duration_seconds_bucket'), 'vigil_batch_duration_seconds');
    assert.equal(familyOf('vigil_sink_write_seconds_count'), 'vigil_sink_write_seconds');
    assert.equal(familyOf('vigil_records_in_total'), 'vigil_records_in_total');
  });

  test('label_values with and without a selector', () => {
    assert.deepEqual(parseLabelValues('label_values(up{job=~"vigil-.*"}, service)'), {
      selector: 'up{job=~"vigil-.*"}',
      label: 'service',
    });
    assert.deepEqual(parseLabelValues('label_values(alias)'), { selector: undefined, label: 'alias' });
    assert.throws(() => parseLabelValues('query_result(up)'), /label_values/);
  });
});
