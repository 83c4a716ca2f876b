using MassRouter.Gateway;

var app = await GatewayHost.BuildAsync(args, ownsProcess: true);
await app.RunAsync();
