namespace LlmOps.Evaluator.Tests.Unit.Rag;

/// <summary>
/// The labelled set the lexical RAG metrics are held to: for each topic a retrieved document, a question about it, an
/// answer faithful to the document and one with invented facts (other numbers, places, properties), hand-written.
/// </summary>
internal static class Corpus
{
    public sealed record Topic(string Document, string Question, string FaithfulAnswer, string InventedAnswer);

    public static readonly Topic[] Topics =
    [
        new("The Eiffel Tower was completed in 1889 for the World's Fair in Paris. It is 330 metres tall and was designed by the engineering firm of Gustave Eiffel.",
            "When was the Eiffel Tower completed?",
            "The Eiffel Tower was completed in 1889 for the World's Fair. It is 330 metres tall.",
            "The Eiffel Tower was completed in 1925 in London. It is 512 metres tall and made of gold."),
        new("Python 3.12 was released in October 2023. It added a per-interpreter GIL and improved error messages.",
            "What did Python 3.12 add?",
            "Python 3.12 came out in October 2023 and improved error messages.",
            "Python 3.12 removed type hints and switched to a JIT compiler by default."),
        new("Ibuprofen is a nonsteroidal anti-inflammatory drug used to treat pain, fever and inflammation. The usual adult dose is 200 to 400 mg every 4 to 6 hours.",
            "What is the usual adult dose of ibuprofen?",
            "Ibuprofen treats pain, fever and inflammation. Adults usually take 200 to 400 mg every 4 to 6 hours.",
            "Ibuprofen is an antibiotic that cures bacterial infections. Adults should take 1200 mg every hour."),
        new("The Amazon River is about 6,400 km long and flows through Peru, Colombia and Brazil into the Atlantic Ocean.",
            "How long is the Amazon River?",
            "The Amazon flows through Peru, Colombia and Brazil. It is about 6400 km long.",
            "The Amazon flows into the Pacific Ocean through Chile. It is about 9,000 km long."),
        new("Kubernetes Deployments manage ReplicaSets, which keep the requested number of identical pods running. Rolling updates replace pods gradually.",
            "How do Kubernetes Deployments perform rolling updates?",
            "A Deployment manages ReplicaSets that keep identical pods running, and rolling updates replace the pods gradually.",
            "Kubernetes Deployments store secrets encrypted with AES-256 and back up etcd nightly to object storage."),
        new("Marie Curie won the Nobel Prize in Physics in 1903 and the Nobel Prize in Chemistry in 1911. She was the first woman to win a Nobel Prize.",
            "Which Nobel Prizes did Marie Curie win?",
            "Marie Curie won Nobel Prizes in Physics (1903) and Chemistry (1911). She was the first woman to win a Nobel Prize.",
            "Marie Curie won three Nobel Prizes, in 1903, 1911 and 1921. She discovered penicillin in London."),
        new("Orders over $50 ship free within the continental US. Returns are accepted within 30 days of delivery with the original receipt.",
            "What is the return policy for orders?",
            "Orders over $50 ship for free in the continental US, and returns are accepted within 30 days with the original receipt.",
            "All orders ship free worldwide, and returns are accepted for 90 days without a receipt."),
        new("The mitochondrion is the organelle that produces most of the cell's ATP through oxidative phosphorylation.",
            "What does the mitochondrion produce?",
            "Mitochondria produce most of the cell's ATP by oxidative phosphorylation.",
            "Mitochondria store genetic instructions in the nucleus and synthesize proteins for export."),
        new("PostgreSQL uses multiversion concurrency control (MVCC), so readers do not block writers. VACUUM reclaims storage occupied by dead tuples.",
            "How does PostgreSQL handle concurrency between readers and writers?",
            "PostgreSQL relies on MVCC so that readers never block writers, and VACUUM reclaims the storage used by dead tuples.",
            "PostgreSQL locks every table during reads, and VACUUM deletes old backups after 7 days."),
        new("The Great Barrier Reef lies off the coast of Queensland, Australia. It is the world's largest coral reef system, made up of about 2,900 individual reefs.",
            "How many reefs make up the Great Barrier Reef?",
            "The Great Barrier Reef, off Queensland in Australia, is the largest coral reef system in the world, with about 2,900 reefs.",
            "The Great Barrier Reef lies off the coast of California. It formed in 1950 and contains about 100 reefs."),
        new("Git rebase replays commits from the current branch on top of another base commit, producing a linear history. Merge instead creates a merge commit that joins two histories.",
            "What is the difference between git rebase and merge?",
            "Rebasing replays your branch's commits on top of another base, which gives a linear history; a merge creates a merge commit joining two histories.",
            "Git rebase deletes the remote repository and pushes 3 backup branches automatically."),
        new("The speed of light in a vacuum is 299,792,458 metres per second.",
            "What is the speed of light in a vacuum?",
            "Light travels through a vacuum at 299,792,458 metres per second.",
            "Light travels at 150,000 km per second in a vacuum."),
    ];

    /// <summary>
    /// Documents that share the question's subject or wording but not its answer (another river, another drug, another
    /// release): harder than off-topic ones, and labelled by topic index.
    /// </summary>
    public static readonly (int Topic, string Document)[] NearMisses =
    [
        (1, "Python 3.11 was released in October 2022 and made CPython 10-60% faster than 3.10."),
        (2, "Paracetamol is usually given to adults at a dose of 500 mg to 1 g, up to four times a day."),
        (3, "The Nile is often cited as the longest river in the world, flowing north through eleven countries to the Mediterranean Sea."),
        (5, "Alfred Nobel, who invented dynamite, left most of his fortune to fund the Nobel Prizes."),
        (10, "Git stash saves uncommitted changes so that you can switch branches and reapply them later."),
        (11, "The speed of sound in dry air at 20 °C is about 343 metres per second."),
    ];

    /// <summary>Each topic with another topic's document: what an off-topic retrieval looks like.</summary>
    public static string OffTopicDocument(int topic) => Topics[(topic + Topics.Length / 2) % Topics.Length].Document;

    public static TheoryData<int> Indexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Topics.Length; i++) data.Add(i);
        return data;
    }
}
