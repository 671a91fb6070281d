// AgentRelay on Azure Container Apps, as `azd up` provisions it: one resource group with Log Analytics and
// Application Insights, a container registry, Azure Cache for Redis (sessions and concurrency shared by replicas),
// a Container Apps environment whose OpenTelemetry agent sends traces and logs to Application Insights, and the
// AppHost's two projects as container apps: `proxy` (internal, min/max replicas) behind `frontdoor` (public, YARP).
// The AppHost's `redis` container is Azure Cache for Redis here. Secrets are Container Apps secrets, never plain env values.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names and tags every resource.')
param environmentName string

@minLength(1)
@description('Azure region for every resource.')
param location string

@description('The proxy image azd built with the .NET SDK (PublishContainer) and pushed; empty on the first provision.')
param proxyImageName string = ''

@description('The front door image azd built and pushed; empty on the first provision.')
param frontdoorImageName string = ''

@minValue(0)
@maxValue(30)
param proxyMinReplicas int = 1

@minValue(1)
@maxValue(30)
param proxyMaxReplicas int = 3

@secure()
@description('Proxy:ApiKey: the key clients must send. Required: the app is reachable from the internet.')
param proxyApiKey string

@description('Backend:BaseUrl: the Anthropic-compatible API the proxy forwards to (the ClaudeCli backend needs the CLI and a login, which this container does not have).')
param backendBaseUrl string = 'https://api.anthropic.com'

@secure()
@description('Backend:ApiKey for the upstream API.')
param backendApiKey string

var tags = { 'azd-env-name': environmentName }
var token = toLower(uniqueString(subscription().id, environmentName, location))

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: group
  params: { location: location, tags: tags, token: token }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: group
  params: { location: location, tags: tags, token: token }
}

module redis 'modules/redis.bicep' = {
  name: 'redis'
  scope: group
  params: { location: location, tags: tags, token: token }
}

module environment 'modules/container-apps-environment.bicep' = {
  name: 'container-apps-environment'
  scope: group
  params: {
    location: location
    tags: tags
    token: token
    logAnalyticsWorkspaceName: monitoring.outputs.logAnalyticsWorkspaceName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module proxy 'modules/proxy-app.bicep' = {
  name: 'proxy'
  scope: group
  params: {
    location: location
    tags: tags
    token: token
    environmentId: environment.outputs.id
    registryName: registry.outputs.name
    imageName: proxyImageName
    minReplicas: proxyMinReplicas
    maxReplicas: proxyMaxReplicas
    redisName: redis.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    proxyApiKey: proxyApiKey
    backendBaseUrl: backendBaseUrl
    backendApiKey: backendApiKey
  }
}

module frontdoor 'modules/frontdoor-app.bicep' = {
  name: 'frontdoor'
  scope: group
  params: {
    location: location
    tags: tags
    token: token
    environmentId: environment.outputs.id
    registryName: registry.outputs.name
    imageName: frontdoorImageName
    identityId: proxy.outputs.identityId
    proxyUrl: proxy.outputs.uri
  }
}

// azd reads these: where to push the images, and what to print at the end.
output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = group.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_APPS_ENVIRONMENT_ID string = environment.outputs.id
output SERVICE_PROXY_NAME string = proxy.outputs.name
output SERVICE_PROXY_URI string = proxy.outputs.uri
output SERVICE_FRONTDOOR_NAME string = frontdoor.outputs.name
output SERVICE_FRONTDOOR_URI string = frontdoor.outputs.uri
