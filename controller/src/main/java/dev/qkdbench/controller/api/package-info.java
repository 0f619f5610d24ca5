/**
 * The daemon's HTTP API on the operator network: JSON status and block audits, production
 * control, Prometheus {@code /metrics} and a self-contained live dashboard.
 *
 * <p>{@link dev.qkdbench.controller.api.HttpApiServer} owns the Netty server and its pipeline;
 * {@link dev.qkdbench.controller.api.ApiRequestHandler} turns one aggregated request into one
 * response and times it; {@link dev.qkdbench.controller.api.ApiRouter} maps
 * {@link dev.qkdbench.controller.api.ApiRoute routes} onto a
 * {@link dev.qkdbench.controller.daemon.DaemonControl}; {@link dev.qkdbench.controller.api.ApiMetrics}
 * is the Prometheus registry every server of the daemon records into.
 */
package dev.qkdbench.controller.api;
