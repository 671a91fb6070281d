// Azure Cache for Redis: the store every replica shares for sessions and concurrency leases. TLS only.
param location string
param tags object
@minLength(13)
@description('uniqueString() of subscription, environment and location: 13 characters.')
param token string

resource redis 'Microsoft.Cache/redis@2024-03-01' = {
  name: 'redis-${token}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'Basic', family: 'C', capacity: 0 }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    redisConfiguration: {
      'maxmemory-policy': 'volatile-lru'
    }
  }
}

output name string = redis.name
