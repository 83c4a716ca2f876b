using MassRouter.Gateway;

var app = await GatewayHost.BuildAsync(args);
await app.RunAsync();
