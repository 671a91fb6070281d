using AgentRelay.FrontDoor;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddFrontDoor();

var app = builder.Build();

// Its own health, apart from the replicas' /health that it forwards.
app.MapHealthChecks(FrontDoorCluster.OwnHealthPath);
app.MapReverseProxy();

app.Run();
