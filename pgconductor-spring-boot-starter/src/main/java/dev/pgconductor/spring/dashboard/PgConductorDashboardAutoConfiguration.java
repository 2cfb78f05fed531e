package dev.pgconductor.spring.dashboard;

import dev.pgconductor.dashboard.Dashboard;
import dev.pgconductor.spring.PgConductorAutoConfiguration;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The pgconductor web dashboard ({@link Dashboard}) on the application's {@link DataSource}, when
 * {@code pgconductor-dashboard} is on the class path and {@code
 * pgconductor.dashboard.enabled=true}. It serves on its own port ({@code
 * pgconductor.dashboard.port}, 8081 by default), starts with the context and stops with it. See
 * {@link PgConductorDashboardProperties} for its settings.
 */
@AutoConfiguration(after = PgConductorAutoConfiguration.class)
@ConditionalOnClass(Dashboard.class)
@ConditionalOnBean(DataSource.class)
@ConditionalOnProperty(name = "pgconductor.dashboard.enabled", havingValue = "true")
@EnableConfigurationProperties(PgConductorDashboardProperties.class)
public class PgConductorDashboardAutoConfiguration {

  /** The dashboard, started; closed with the context. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public Dashboard pgconductorDashboard(
      DataSource dataSource, PgConductorDashboardProperties properties) {
    return Dashboard.builder(dataSource)
        .host(properties.getHost())
        .port(properties.getPort())
        .token(properties.getToken())
        .allowActions(properties.isAllowActions())
        .basePath(properties.getBasePath())
        .start();
  }
}
