// The proxy: the AppHost's `proxy` project as a container app built by the .NET SDK (no Dockerfile), reachable only
// inside the environment (the front door is the public app), min/max replicas scaled on concurrent requests, every
// credential a Container Apps secret referenced by the environment variables the proxy reads.
param location string
param tags object
@minLength(13)
@description('uniqueString() of subscription, environment and location: 13 characters.')
param token string
param environmentId string
param registryName string
param imageName string
param minReplicas int
param maxReplicas int
param redisName string
param applicationInsightsName string
@secure()
param proxyApiKey string
param backendBaseUrl string
@secure()
param backendApiKey string

var acrPullRoleId = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource redis 'Microsoft.Cache/redis@2024-03-01' existing = {
  name: redisName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-proxy-${token}'
  location: location
  tags: tags
}

resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identity.id, acrPullRoleId)
  scope: registry
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPullRoleId)
  }
}

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'ca-proxy-${token}'
  location: location
  // azd finds the app for the AppHost's resource 'proxy' by this tag.
  tags: union(tags, { 'azd-service-name': 'proxy' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  dependsOn: [ acrPull ]
  properties: {
    managedEnvironmentId: environmentId
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: false
        targetPort: 8080
        transport: 'auto'
        allowInsecure: false
      }
      registries: [ { server: registry.properties.loginServer, identity: identity.id } ]
      secrets: [
        { name: 'redis-connection-string', value: '${redis.properties.hostName}:${redis.properties.sslPort},password=${redis.listKeys().primaryKey},ssl=True,abortConnect=False' }
        { name: 'proxy-api-key', value: proxyApiKey }
        { name: 'backend-api-key', value: backendApiKey }
        { name: 'appinsights-connection-string', value: insights.properties.ConnectionString }
      ]
    }
    template: {
      containers: [
        {
          name: 'proxy'
          // Until azd deploys the real image, a placeholder keeps the first provision valid.
          image: empty(imageName) ? 'mcr.microsoft.com/azuredocs/containerapps-helloworld:latest' : imageName
          resources: { cpu: json('1.0'), memory: '2Gi' }
          env: [
            // Inside a container the proxy must listen on all interfaces; the ingress is the only way in.
            { name: 'ASPNETCORE_URLS', value: 'http://+:8080' }
            { name: 'OTEL_SERVICE_NAME', value: 'proxy' }
            { name: 'ConnectionStrings__redis', secretRef: 'redis-connection-string' }
            { name: 'Proxy__ApiKey', secretRef: 'proxy-api-key' }
            { name: 'Backend__Kind', value: 'AnthropicApi' }
            { name: 'Backend__BaseUrl', value: backendBaseUrl }
            { name: 'Backend__ApiKey', secretRef: 'backend-api-key' }
            { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', secretRef: 'appinsights-connection-string' }
          ]
          probes: [
            { type: 'Liveness', httpGet: { path: '/alive', port: 8080 } }
            { type: 'Readiness', httpGet: { path: '/health', port: 8080 } }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [ { name: 'concurrent-requests', http: { metadata: { concurrentRequests: '20' } } } ]
      }
    }
  }
}

output name string = app.name
output uri string = 'https://${app.properties.configuration.ingress.fqdn}'
output identityId string = identity.id
