using System.Net;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace LlmOps.LlmSimulator.Tests;

public class EmbeddingsTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    private async Task<float[][]> EmbedAsync(string format, params string[] inputs)
    {
        var request = new JsonObject
        {
            ["model"] = "sim-embed",
            ["input"] = new JsonArray(inputs.Select(i => (JsonNode)JsonValue.Create(i)!).ToArray()),
            ["encoding_format"] = format,
        };
        var (response, body) = await sim.PostAsync("/v1/embeddings", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body!["data"]!.AsArray().Select(d => format == "base64"
            ? MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(d!["embedding"]!.GetValue<string>())).ToArray()
            : d!["embedding"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray()).ToArray();
    }

    [Fact]
    public async Task Base64_and_float_encodings_carry_the_same_unit_vectors()
    {
        var floats = await EmbedAsync("float", "the cost of a trace");
        var base64 = await EmbedAsync("base64", "the cost of a trace");

        Assert.Equal(256, floats[0].Length);
        Assert.Equal(floats[0], base64[0]);
        Assert.Equal(1.0, Math.Sqrt(floats[0].Sum(v => (double)v * v)), 4);
    }

    [Fact]
    public async Task Texts_sharing_words_are_closer_than_unrelated_texts()
    {
        var vectors = await EmbedAsync("float",
            "how do I reset my password", "how can I reset the password", "quarterly revenue grew in europe");

        var paraphrase = TensorPrimitives.CosineSimilarity(vectors[0], vectors[1]);
        var unrelated = TensorPrimitives.CosineSimilarity(vectors[0], vectors[2]);

        Assert.True(paraphrase > 0.5, $"paraphrase similarity {paraphrase}");
        Assert.True(unrelated < 0.2, $"unrelated similarity {unrelated}");
    }

    [Fact]
    public async Task Dimensions_and_usage_follow_the_request()
    {
        var request = new JsonObject { ["model"] = "sim-embed", ["input"] = "Hello, world!", ["dimensions"] = 64 };

        var (_, body) = await sim.PostAsync("/v1/embeddings", request);

        Assert.Equal(64, body!["data"]![0]!["embedding"]!.AsArray().Count);
        Assert.Equal(4, body["usage"]!["prompt_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_empty_input_is_a_400()
    {
        var (response, body) = await sim.PostAsync("/v1/embeddings", new JsonObject { ["model"] = "sim-embed", ["input"] = new JsonArray() });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("input", body!["error"]!["param"]!.GetValue<string>());
    }
}
