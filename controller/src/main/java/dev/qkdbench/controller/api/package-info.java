/**
 * The daemon's HTTP API on the operator network: JSON status and block audits, production
 * control, Prometheus {@code /metrics} and a self-contained live dashboard.
 *
 * <p>{@link dev.qkdbench.controller.api.HttpApiServer} owns the Netty server and its pipeline;
 * {@link dev.qkdbench.controller.api.ApiRequestHandler} turns one aggregated request into one
 * response and times it; {@link dev.qkdbench.controller.api.ApiRouter} maps
 * {@link dev.qkdbench.controller.api.ApiRoute routes} onto a
 * {@link dev.qkdbench.controller.daemon.DaemonControl}; {@link dev.qkdbench.controller.api.ApiMetrics}
 * is the Prometheus registry every server of the daemon records into. {@link
 * dev.qkdbench.controller.api.ServerLimits}, {@link dev.qkdbench.controller.api.ConnectionLimiter}
 * and {@link dev.qkdbench.controller.api.RequestDeadline} bound what slow, silent or numerous
 * clients can hold of this server and of the ETSI 014 one.
 */
package dev.qkdbench.controller.api;
