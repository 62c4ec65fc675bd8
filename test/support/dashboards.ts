/**
 * The dashboards in deploy/dashboards/ as the tests read them: tools/dashboards owns the loading
 * and the variable substitution, so the tests and the dashboard tools run the same PromQL.
 */
export * from '../../tools/dashboards/dashboards';
