// Where azd pushes the image the .NET SDK builds; the app pulls with a managed identity, so no admin user.
param location string
param tags object
@minLength(13)
@description('uniqueString() of subscription, environment and location: 13 characters.')
param token string

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'cr${token}'
  location: location
  tags: tags
  sku: { name: 'Basic' }
  properties: {
    adminUserEnabled: false
  }
}

output name string = registry.name
output loginServer string = registry.properties.loginServer
