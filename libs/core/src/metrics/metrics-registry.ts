/**
 * The app's Prometheus registry (PlatformModule provides one per app), so that every library's metrics land on the
 * one `/metrics` page of the service and two apps in one process (tests) do not collide.
 */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
