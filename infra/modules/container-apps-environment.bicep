// The Container Apps environment: container logs to Log Analytics, and its managed OpenTelemetry agent forwards the
// apps' OTLP traces and logs to Application Insights (it sets OTEL_EXPORTER_OTLP_ENDPOINT in every app).
param location string
param tags object
@minLength(13)
@description('uniqueString() of subscription, environment and location: 13 characters.')
param token string
param logAnalyticsWorkspaceName string
param applicationInsightsName string

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsWorkspaceName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource environment 'Microsoft.App/managedEnvironments@2024-10-02-preview' = {
  name: 'cae-${token}'
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: workspace.properties.customerId
        sharedKey: workspace.listKeys().primarySharedKey
      }
    }
    appInsightsConfiguration: {
      connectionString: insights.properties.ConnectionString
    }
    openTelemetryConfiguration: {
      tracesConfiguration: { destinations: [ 'appInsights' ] }
      logsConfiguration: { destinations: [ 'appInsights' ] }
    }
  }
}

output id string = environment.id
