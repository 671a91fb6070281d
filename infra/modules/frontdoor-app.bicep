// The front door: the AppHost's `frontdoor` project (YARP) as the one public container app, forwarding to the proxy's
// internal ingress. Container Apps spreads the proxy's own replicas; the front door keeps the same routing, health
// checks and stream timeouts as on a developer's machine.
param location string
param tags object
@minLength(13)
@description('uniqueString() of subscription, environment and location: 13 characters.')
param token string
param environmentId string
param registryName string
param imageName string
param identityId string
@description('The proxy app\'s internal URL (FrontDoor__Destinations__proxy).')
param proxyUrl string

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'ca-frontdoor-${token}'
  location: location
  // azd finds the app for the AppHost's resource 'frontdoor' by this tag.
  tags: union(tags, { 'azd-service-name': 'frontdoor' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    managedEnvironmentId: environmentId
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: 8080
        transport: 'auto'
        allowInsecure: false
      }
      registries: [ { server: registry.properties.loginServer, identity: identityId } ]
    }
    template: {
      containers: [
        {
          name: 'frontdoor'
          image: empty(imageName) ? 'mcr.microsoft.com/azuredocs/containerapps-helloworld:latest' : imageName
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: [
            { name: 'ASPNETCORE_URLS', value: 'http://+:8080' }
            { name: 'OTEL_SERVICE_NAME', value: 'frontdoor' }
            { name: 'FrontDoor__Destinations__proxy', value: proxyUrl }
          ]
          probes: [
            { type: 'Readiness', httpGet: { path: '/frontdoor/health', port: 8080 } }
          ]
        }
      ]
      scale: { minReplicas: 1, maxReplicas: 2 }
    }
  }
}

output name string = app.name
output uri string = 'https://${app.properties.configuration.ingress.fqdn}'
