using MassRouter.ControlApi;

var app = await ControlApiHost.BuildAsync(args);
await app.RunAsync();
