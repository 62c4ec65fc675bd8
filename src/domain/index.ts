/**
 * The product's domain: kinds of target, their failure reasons, recovery phases and outcomes,
 * labels and annotations. Every layer imports these from here; nothing here does I/O.
 */
export * from './labels';
export * from './node';
export * from './recovery';
export * from './workload';
export * from './pod-failure';
export * from './workload-recovery';
export * from './diagnosis';
export * from './quantity';
export * from './notification';
export * from './analysis';
export * from './analysis-alert';
export * from './service';
export * from './service-annotations';
