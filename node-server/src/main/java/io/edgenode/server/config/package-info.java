/**
 * The node's configuration: models.yaml ({@link io.edgenode.server.config.NodeConfigReader}, the
 * format and its rules) read into records ({@link io.edgenode.server.config.NodeConfig},
 * {@link io.edgenode.server.config.ServerSettings}, {@link io.edgenode.server.config.ModelSpec},
 * {@link io.edgenode.server.config.SyntheticSpec}); every problem is a
 * {@link io.edgenode.server.config.ConfigException} that names the file, line, column and field.
 */
package io.edgenode.server.config;
