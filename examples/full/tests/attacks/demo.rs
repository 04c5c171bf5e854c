//! Not an attack: the seeded demo's graded course (`rust-projects`) shows the flows it is
//! there for — a lesson that waits for a passing grade, a module that opens three days
//! after enrollment — through the server's own router, as a visitor would try them.

use crate::{Backend, Server};
use axum::http::StatusCode;
use serde_json::json;

const PROJECTS: &str = "/orgs/demo/courses/rust-projects";

pub async fn the_demos_graded_course_opens_as_it_says(backend: Backend) {
    let server = Server::start(backend, |_| {}).await;
    let (learner, instructor) = (
        server.demo("learner").await,
        server.demo("instructor").await,
    );
    let learner = Some(learner.as_str());
    let enrolled = server
        .call("POST", &format!("{PROJECTS}/enrollments"), learner, None)
        .await;
    assert_eq!(enrolled.status, StatusCode::CREATED, "{}", enrolled.body);
    let states = server
        .call(
            "GET",
            &format!("{PROJECTS}/progress/lessons"),
            learner,
            None,
        )
        .await;
    let items = states.body["items"]
        .as_array()
        .expect("lesson states")
        .clone();
    let shape: Vec<_> = items
        .iter()
        .map(|i| (i["locked"].clone(), i["available_at"].is_string()))
        .collect();
    assert_eq!(
        shape,
        [
            (json!(false), false),
            (json!(true), false),
            (json!(true), true)
        ],
        "the assignment is open, the review waits for it, the last module for its date"
    );
    let course = server.call("GET", PROJECTS, None, None).await.body;
    let task = course["modules"][0]["lessons"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let submissions = format!("{PROJECTS}/lessons/{task}/submissions");
    let body = json!({"body": "fn main() { /* wc */ }"});
    let submitted = server.call("POST", &submissions, learner, Some(body)).await;
    assert_eq!(submitted.status, StatusCode::CREATED, "{}", submitted.body);
    let id = submitted.body["id"].as_str().unwrap();
    let grade = format!("{PROJECTS}/submissions/{id}/grade");
    let graded = server
        .call("POST", &grade, Some(&instructor), Some(json!({"score": 8})))
        .await;
    assert_eq!(graded.body["passed"], json!(true), "{}", graded.body);
    let states = server
        .call(
            "GET",
            &format!("{PROJECTS}/progress/lessons"),
            learner,
            None,
        )
        .await;
    assert_eq!(states.body["items"][0]["status"], json!("completed"));
    assert_eq!(states.body["items"][1]["locked"], json!(false));
}
